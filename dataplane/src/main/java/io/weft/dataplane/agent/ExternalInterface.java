package io.weft.dataplane.agent;

import io.weft.dataplane.os.HostCommand;
import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The underlay interface, chosen in flanneld's order ({@code main.go}, {@code pkg/ipmatch}): each {@code -iface}
 * (a name, or an address the interface holds), then each {@code -iface-regex} (matched against every interface's
 * addresses first, then against the names), then {@code -iface-can-reach} (the interface of the route to that
 * address). A rule that matches nothing is logged and the next one tried; when rules were given and none matched,
 * start-up fails, as in flanneld. With no rule at all: the interface that holds {@code -public-ip} if it is local,
 * else the interface of the default route. The address chosen is the one weft sends from; the MTU sizes the TUN.
 * On an IPv6-only network the interface is chosen by IPv6 instead ({@link Ipv6OnlyInterface}) and {@code address}
 * is null: such a host needs no IPv4 address, and weft sends nothing over IPv4.
 */
public record ExternalInterface(String name, Inet4Address address, int mtu) {
    private static final Logger log = LoggerFactory.getLogger(ExternalInterface.class);
    private static final Pattern ROUTE_DEV = Pattern.compile("\\sdev\\s+(\\S+)");
    private static final Pattern ROUTE_SRC = Pattern.compile("\\ssrc\\s+([0-9.]+)");

    /** The interface and its IPv4 address for a message: {@code eth0 10.0.0.5}, or {@code eth0} without IPv4. */
    public String describe() {
        return address == null ? name : name + " " + address.getHostAddress();
    }

    /** A choice that cannot be made, with a message for the user. */
    public static final class NotFound extends Exception {
        private static final long serialVersionUID = 1L;

        NotFound(String message) {
            super(message);
        }
    }

    /** What the user asked for: {@code -iface}, {@code -iface-regex}, {@code -iface-can-reach}, {@code -public-ip}. */
    public record Rules(List<String> ifaces, List<String> regexes, String canReach, String publicIp) {
        public Rules {
            ifaces = List.copyOf(ifaces);
            regexes = List.copyOf(regexes);
            canReach = blankToNull(canReach);
            publicIp = blankToNull(publicIp);
        }

        boolean any() {
            return !ifaces.isEmpty() || !regexes.isEmpty() || canReach != null;
        }
    }

    /**
     * The address VXLAN packets are sent from, the one flanneld makes its device's {@code local} ({@code ExtAddr} in
     * {@code pkg/ipmatch}): the advertised PublicIP when this host holds it (say {@code -public-ip} names a secondary
     * address), else this interface's address (a NAT's public address cannot be a source here). Peers accept a
     * sender by its lease's PublicIP, so on a host with several addresses the kernel's own choice may be refused.
     */
    public Inet4Address sourceAddress(Inet4Address publicIp) {
        return sourceAddress(publicIp, HostInterfaces.read());
    }

    /** {@link #sourceAddress(Inet4Address)} over a given view of the host, for tests. */
    Inet4Address sourceAddress(Inet4Address publicIp, HostInterfaces host) {
        return publicIp != null && host.owning(publicIp).isPresent() ? publicIp : address;
    }

    /** Chooses on this host: its interfaces, {@code ip route get} and the main table's default route. */
    public static ExternalInterface choose(Rules rules) throws NotFound {
        return choose(rules, HostInterfaces.read(), ExternalInterface::routeGet, defaultRouteInterface());
    }

    /**
     * The choice over a given view of the host, for tests.
     *
     * @param routeGet     {@code ip -o route get <address>} output for an address, or null if there is no route
     * @param defaultRoute the default route's interface name, or null
     */
    static ExternalInterface choose(Rules rules, HostInterfaces host, Function<String, String> routeGet,
                                    String defaultRoute) throws NotFound {
        if (!rules.any()) {
            return rules.publicIp() != null ? byPublicIp(host, rules.publicIp(), defaultRoute)
                    : byDefaultRoute(host, defaultRoute);
        }
        for (String spec : rules.ifaces()) {
            Optional<ExternalInterface> found = byNameOrAddress(host, spec.trim());
            if (found.isPresent()) {
                return found.get();
            }
            log.info("no interface matches -iface {} (with a usable IPv4 address); trying the next rule", spec);
        }
        for (String rx : rules.regexes()) {
            Optional<ExternalInterface> found = byRegex(host, rx);
            if (found.isPresent()) {
                return found.get();
            }
            log.info("no interface matches -iface-regex {}; trying the next rule", rx);
        }
        if (rules.canReach() != null) {
            Optional<ExternalInterface> found = byRoute(host, rules.canReach(), routeGet);
            if (found.isPresent()) {
                return found.get();
            }
        }
        throw new NotFound("no interface matches " + describe(rules) + " (with an IPv4 address; interfaces here: "
                + host + "); name an existing interface or address");
    }

    private static Optional<ExternalInterface> byNameOrAddress(HostInterfaces host, String spec) {
        Inet4Address asAddress = ipv4(spec);
        if (asAddress != null) {
            return host.owning(asAddress).map(i -> new ExternalInterface(i.name(), asAddress, i.mtu()));
        }
        return host.byName(spec).flatMap(ExternalInterface::withFirstAddress);
    }

    private static Optional<ExternalInterface> byRegex(HostInterfaces host, String rx) throws NotFound {
        Pattern p;
        try {
            p = Pattern.compile(rx);
        } catch (PatternSyntaxException e) {
            throw new NotFound("-iface-regex " + rx + " is not a regular expression: "
                    + e.getDescription() + " near index " + e.getIndex());
        }
        // Addresses of every interface first, then names: flanneld's order (pkg/ipmatch LookupExtIface).
        for (HostInterfaces.Iface i : host.all()) {
            for (Inet4Address a : i.addresses()) {
                if (p.matcher(a.getHostAddress()).find()) {
                    return Optional.of(new ExternalInterface(i.name(), a, i.mtu()));
                }
            }
        }
        for (HostInterfaces.Iface i : host.all()) {
            if (p.matcher(i.name()).find()) {
                return withFirstAddress(i);
            }
        }
        return Optional.empty();
    }

    private static Optional<ExternalInterface> byRoute(HostInterfaces host, String target, Function<String, String> routeGet)
            throws NotFound {
        if (ipv4(target) == null) {
            throw new NotFound("-iface-can-reach " + target + " is not an IPv4 address");
        }
        String route = routeGet.apply(target);
        Matcher dev = route == null ? null : ROUTE_DEV.matcher(" " + route);
        if (dev == null || !dev.find()) {
            log.info("no route to -iface-can-reach {}: {}", target, route == null ? "ip route get failed" : route.trim());
            return Optional.empty();
        }
        Optional<HostInterfaces.Iface> i = host.byName(dev.group(1));
        if (i.isEmpty()) {
            return Optional.empty();
        }
        // flanneld takes the route's preferred source as the interface address when the route has one.
        Matcher src = ROUTE_SRC.matcher(" " + route);
        Inet4Address a = src.find() ? ipv4(src.group(1)) : null;
        ExternalInterface chosen = a != null ? new ExternalInterface(i.get().name(), a, i.get().mtu())
                : withFirstAddress(i.get()).orElse(null);
        if (chosen != null) {
            log.info("-iface-can-reach {}: the route goes out of {} ({})", target, chosen.name(),
                    chosen.address().getHostAddress());
        }
        return Optional.ofNullable(chosen);
    }

    /**
     * {@code -public-ip} alone: flanneld looks it up as if it were {@code -iface} and fails when it is not local.
     * weft takes the default-route interface instead, so that a host behind a 1:1 NAT can advertise the NAT's
     * address with this one flag, and says so.
     */
    private static ExternalInterface byPublicIp(HostInterfaces host, String publicIp, String defaultRoute) throws NotFound {
        Inet4Address a = ipv4(publicIp);
        if (a != null) {
            Optional<HostInterfaces.Iface> owner = host.owning(a);
            if (owner.isPresent()) {
                return new ExternalInterface(owner.get().name(), a, owner.get().mtu());
            }
        }
        ExternalInterface def = byDefaultRoute(host, defaultRoute);
        log.info("-public-ip {} is not an address of this host (a NAT's address?): using the default-route interface"
                + " {} ({}) and advertising {}", publicIp, def.name(), def.address().getHostAddress(), publicIp);
        return def;
    }

    private static ExternalInterface byDefaultRoute(HostInterfaces host, String def) throws NotFound {
        if (def == null) {
            throw new NotFound("there is no default route to pick the underlay interface from; name it with -iface"
                    + " (interfaces here: " + host + ")");
        }
        return host.byName(def).flatMap(ExternalInterface::withFirstAddress).orElseThrow(() -> new NotFound(
                "the default-route interface " + def + " has no IPv4 address; name the underlay interface with -iface"));
    }

    private static Optional<ExternalInterface> withFirstAddress(HostInterfaces.Iface i) {
        return i.firstAddress().map(a -> new ExternalInterface(i.name(), a, i.mtu()));
    }

    /** The rules as the user gave them, for a message. */
    static String describe(Rules r) {
        StringBuilder sb = new StringBuilder();
        r.ifaces().forEach(i -> sb.append(sb.length() == 0 ? "" : ", ").append("-iface ").append(i));
        r.regexes().forEach(i -> sb.append(sb.length() == 0 ? "" : ", ").append("-iface-regex ").append(i));
        if (r.canReach() != null) {
            sb.append(sb.length() == 0 ? "" : ", ").append("-iface-can-reach ").append(r.canReach());
        }
        return sb.toString();
    }

    private static Inet4Address ipv4(String text) {
        if (text == null || !text.matches("[0-9.]+")) {
            return null;
        }
        try {
            InetAddress a = Subnet.parseAddress(text);
            return a instanceof Inet4Address ? (Inet4Address) a : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** {@code ip -o route get <address>}, or null when there is no route. */
    private static String routeGet(String address) {
        HostCommand.Result r = HostCommand.run(List.of("ip", "-o", "-4", "route", "get", address));
        return r.ok() ? r.stdout() : null;
    }

    /** The interface of the IPv4 default route, from /proc/net/route (the main table), or null. */
    static String defaultRouteInterface() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1).toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 7 && f[1].equals("00000000") && f[7].equals("00000000")) {
                    return f[0];
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return null;
    }
}
