package io.weft.dataplane.agent;

import io.weft.dataplane.host.IpCommand;
import io.weft.fdb.Subnet;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's interfaces in index order, each with its usable IPv4 addresses in the order flanneld prefers them
 * ({@code pkg/ip/iface.go}): global before link-local, permanent before dynamic, loopback and deprecated addresses
 * left out. Read from iproute2's one-line output so that the order is the kernel's, which Java's
 * {@code NetworkInterface} does not promise.
 */
record HostInterfaces(List<Iface> all) {
    /** One interface: its name, MTU, and usable IPv4 addresses, best first. */
    record Iface(int index, String name, int mtu, List<Inet4Address> addresses) {
        Optional<Inet4Address> firstAddress() {
            return addresses.isEmpty() ? Optional.empty() : Optional.of(addresses.get(0));
        }

        @Override
        public String toString() {
            return addresses.isEmpty() ? name : name + " " + addresses.get(0).getHostAddress();
        }
    }

    private static final Pattern LINK = Pattern.compile("^(\\d+):\\s+([^:@\\s]+)(?:@\\S+)?:.*\\smtu\\s+(\\d+)");
    private static final Pattern ADDR = Pattern.compile("^(\\d+):\\s+(\\S+)\\s+inet\\s+([0-9.]+)/\\d+(.*)$");

    HostInterfaces {
        all = List.copyOf(all);
    }

    /** This host's interfaces now (runs {@code ip -o link show} and {@code ip -o -4 addr show}). */
    static HostInterfaces read() {
        return parse(IpCommand.run("-o", "link", "show"), IpCommand.run("-o", "-4", "addr", "show"));
    }

    /** Builds the list from iproute2's {@code -o} output for links and IPv4 addresses. */
    static HostInterfaces parse(String links, String addrs) {
        Map<Integer, List<Candidate>> byIndex = new LinkedHashMap<>();
        for (String line : addrs.split("\n")) {
            Matcher m = ADDR.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            Inet4Address a = (Inet4Address) Subnet.parseAddress(m.group(3));
            String flags = m.group(4);
            if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isMulticastAddress() || flags.contains(" deprecated")) {
                continue;
            }
            byIndex.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>())
                    .add(new Candidate(a, a.isLinkLocalAddress(), flags.contains(" dynamic")));
        }
        List<Iface> out = new ArrayList<>();
        for (String line : links.split("\n")) {
            Matcher m = LINK.matcher(line.trim());
            if (!m.find()) {
                continue;
            }
            int index = Integer.parseInt(m.group(1));
            List<Candidate> cands = new ArrayList<>(byIndex.getOrDefault(index, List.of()));
            // stable sort: the kernel's order stays among equals, as Go's slices.SortFunc with flannel's comparator
            cands.sort(Comparator.comparing(Candidate::linkLocal).thenComparing(Candidate::dynamic));
            out.add(new Iface(index, m.group(2), Integer.parseInt(m.group(3)),
                    cands.stream().map(Candidate::address).toList()));
        }
        return new HostInterfaces(out);
    }

    private record Candidate(Inet4Address address, boolean linkLocal, boolean dynamic) {
    }

    Optional<Iface> byName(String name) {
        return all.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    /** The interface holding {@code address}, or empty. */
    Optional<Iface> owning(Inet4Address address) {
        return all.stream().filter(i -> i.addresses().contains(address)).findFirst();
    }

    @Override
    public String toString() {
        return String.join(", ", all.stream().map(Iface::toString).toList());
    }
}
