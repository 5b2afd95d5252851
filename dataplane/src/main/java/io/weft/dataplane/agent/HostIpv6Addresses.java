package io.weft.dataplane.agent;

import io.weft.dataplane.host.IpCommand;
import io.weft.fdb.Subnet;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's usable IPv6 addresses per interface, in the order flanneld prefers them ({@code pkg/ip/iface.go}
 * {@code GetInterfaceIP6Addrs}): global unicast (ULAs included, as Go counts them) or link-local unicast, not
 * deprecated; global before link-local, permanent before dynamic, non-temporary before temporary; otherwise the
 * kernel's order. Read from iproute2's one-line output, like {@link HostInterfaces} for IPv4.
 */
record HostIpv6Addresses(Map<String, List<Inet6Address>> byInterface) {
    private static final Pattern ADDR = Pattern.compile("^\\d+:\\s+(\\S+)\\s+inet6\\s+([0-9a-fA-F:.]+)/\\d+(.*)$");

    HostIpv6Addresses {
        Map<String, List<Inet6Address>> copy = new LinkedHashMap<>();
        byInterface.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        byInterface = java.util.Collections.unmodifiableMap(copy);
    }

    /** This host's addresses now ({@code ip -o -6 addr show}). */
    static HostIpv6Addresses read() {
        return parse(IpCommand.run("-o", "-6", "addr", "show"));
    }

    static HostIpv6Addresses parse(String addrs) {
        Map<String, List<Candidate>> found = new LinkedHashMap<>();
        for (String line : addrs.split("\n")) {
            Matcher m = ADDR.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            InetAddress parsed = Subnet.parseAddress(m.group(2));
            if (!(parsed instanceof Inet6Address a)) {
                continue; // an IPv4-mapped form: not an IPv6 interface address
            }
            String flags = m.group(3);
            boolean linkLocal = a.isLinkLocalAddress();
            if (!(linkLocal || globalUnicast(a)) || flags.contains(" deprecated")) {
                continue;
            }
            found.computeIfAbsent(m.group(1), k -> new ArrayList<>())
                    .add(new Candidate(a, linkLocal, flags.contains(" dynamic"), flags.contains(" temporary")));
        }
        Map<String, List<Inet6Address>> out = new LinkedHashMap<>();
        found.forEach((name, cands) -> {
            List<Candidate> sorted = new ArrayList<>(cands);
            sorted.sort(Comparator.comparing(Candidate::linkLocal).thenComparing(Candidate::dynamic)
                    .thenComparing(Candidate::temporary));
            out.put(name, sorted.stream().map(Candidate::address).toList());
        });
        return new HostIpv6Addresses(out);
    }

    List<Inet6Address> on(String iface) {
        return byInterface.getOrDefault(iface, List.of());
    }

    /** The interface that holds {@code address}, or null. */
    String owner(Inet6Address address) {
        for (Map.Entry<String, List<Inet6Address>> e : byInterface.entrySet()) {
            if (e.getValue().contains(address)) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Go's {@code IsGlobalUnicast}: not unspecified, loopback, multicast or link-local. */
    private static boolean globalUnicast(Inet6Address a) {
        return !a.isAnyLocalAddress() && !a.isLoopbackAddress() && !a.isMulticastAddress() && !a.isLinkLocalAddress();
    }

    private record Candidate(Inet6Address address, boolean linkLocal, boolean dynamic, boolean temporary) {
    }
}
