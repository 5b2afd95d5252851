package io.weft.dataplane.agent;

import io.weft.fdb.Subnet;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * This host's IPv6 underlay addresses for a dual-stack network, chosen as flanneld's {@code LookupExtIface} chooses
 * them once the interface is known: {@code local} is the address on that interface that {@code -public-ipv6},
 * an {@code -iface} given as an IPv6 address, or an {@code -iface-regex} names, else its first usable one;
 * {@code advertised} ({@code PublicIPv6}) is {@code -public-ipv6} if given, else {@code local}.
 *
 * <p>flanneld needs both families on one interface ("v6 interface … must be the same with v4 interface"), and a
 * {@code -public-ipv6} that is an address of this host must be on it. A {@code -public-ipv6} that is not an address
 * of this host is refused when no {@code -iface} or {@code -iface-regex} says which interface to use (flanneld then
 * looks the interface up by it and fails); with one of them it is advertised as it is, the NAT case.
 */
public record Ipv6Underlay(Inet6Address local, Inet6Address advertised) {

    /**
     * As {@link #choose(String, List, List, String, HostIpv6Addresses, boolean)} over this host's IPv6 addresses now;
     * public for {@code weft doctor}, which must choose as the agent does.
     */
    public static Ipv6Underlay choose(String iface, List<String> ifaces, List<String> regexes, String publicIpv6,
                                      boolean ipv6Only) throws ExternalInterface.NotFound {
        return choose(iface, ifaces, regexes, publicIpv6, HostIpv6Addresses.read(), ipv6Only);
    }

    /**
     * @param iface      the underlay interface already chosen for IPv4 (by {@link ExternalInterface#choose})
     * @param ifaces     the {@code -iface} values (names or addresses)
     * @param regexes    the {@code -iface-regex} values
     * @param publicIpv6 {@code -public-ipv6} (or the {@code node-public-ipv6} annotation), or null
     * @throws ExternalInterface.NotFound with one line saying what is wrong and what to do
     */
    static Ipv6Underlay choose(String iface, List<String> ifaces, List<String> regexes, String publicIpv6,
                               HostIpv6Addresses host) throws ExternalInterface.NotFound {
        return choose(iface, ifaces, regexes, publicIpv6, host, false);
    }

    /**
     * As {@link #choose(String, List, List, String, HostIpv6Addresses)}; {@code ipv6Only} (the network config sets
     * {@code EnableIPv4: false}, and {@code iface} was chosen by {@link Ipv6OnlyInterface}) only changes what the error
     * for an interface without IPv6 advises.
     */
    static Ipv6Underlay choose(String iface, List<String> ifaces, List<String> regexes, String publicIpv6,
                               HostIpv6Addresses host, boolean ipv6Only) throws ExternalInterface.NotFound {
        Inet6Address given = null;
        if (publicIpv6 != null && !publicIpv6.isBlank()) {
            given = ipv6(publicIpv6.trim()).orElseThrow(() -> new ExternalInterface.NotFound("-public-ipv6 "
                    + publicIpv6.trim() + ": not an IPv6 address; give this host's address that peers reach over IPv6"));
            String owner = host.owner(given);
            if (owner != null && !owner.equals(iface)) {
                throw new ExternalInterface.NotFound("-public-ipv6 " + Subnet.formatAddress(given) + " is an address of "
                        + owner + ", but the underlay interface is " + iface + "; flanneld needs both families on one"
                        + " interface: choose it with -iface " + owner + ", or give an IPv6 address of " + iface);
            }
            if (owner == null && ifaces.isEmpty() && regexes.isEmpty()) {
                throw new ExternalInterface.NotFound("-public-ipv6 " + Subnet.formatAddress(given) + " is not an address"
                        + " of this host; give an address of " + iface + ", or name the interface with -iface (then a"
                        + " NAT's address may be advertised)");
            }
            if (owner != null) {
                return new Ipv6Underlay(given, given);
            }
        }
        List<Inet6Address> on = host.on(iface);
        Inet6Address local = null;
        for (String spec : ifaces) {
            Optional<Inet6Address> a = ipv6(spec.trim());
            if (a.isPresent() && on.contains(a.get())) {
                local = a.get();
                break;
            }
        }
        for (int i = 0; local == null && i < regexes.size(); i++) {
            Pattern rx = compile(regexes.get(i));
            local = on.stream().filter(a -> rx.matcher(Subnet.formatAddress(a)).find()).findFirst().orElse(null);
        }
        if (local == null && on.isEmpty()) {
            throw new ExternalInterface.NotFound("interface " + iface + " has no usable IPv6 address (global or"
                    + " link-local, not deprecated), and the network config " + (ipv6Only
                    ? "is IPv6-only (\"EnableIPv4\": false): give " + iface + " an IPv6 address, or name the interface"
                    + " that has one with -iface"
                    : "enables IPv6: give " + iface + " an IPv6 address, or set \"EnableIPv6\": false"));
        }
        if (local == null) {
            local = on.get(0);
        }
        return new Ipv6Underlay(local, given != null ? given : local);
    }

    private static Pattern compile(String rx) throws ExternalInterface.NotFound {
        try {
            return Pattern.compile(rx);
        } catch (PatternSyntaxException e) {
            throw new ExternalInterface.NotFound("-iface-regex " + rx + ": not a regular expression ("
                    + e.getDescription() + ")");
        }
    }

    private static Optional<Inet6Address> ipv6(String text) {
        try {
            InetAddress a = Subnet.parseAddress(text);
            return a instanceof Inet6Address v6 ? Optional.of(v6) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
