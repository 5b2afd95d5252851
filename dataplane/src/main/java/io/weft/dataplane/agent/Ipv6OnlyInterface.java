package io.weft.dataplane.agent;

import io.weft.dataplane.os.HostCommand;
import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
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
 * The underlay interface of an IPv6-only network ({@code EnableIPv4: false}), chosen as flanneld's
 * {@code LookupExtIface} chooses it for its IPv6 stack: by IPv6, never by IPv4, so that a host whose external
 * interface has no IPv4 address at all can run. Each {@code -iface} (a name, or an IPv6 address the interface holds),
 * then each {@code -iface-regex} (matched against every interface's IPv6 addresses first, then the names), then
 * {@code -iface-can-reach} (the interface of the IPv6 route to it); with no rule, the interface holding
 * {@code -public-ipv6} when it is local, else the interface of the IPv6 default route. The result has no IPv4
 * address; {@link Ipv6Underlay} then picks the IPv6 address on it.
 */
public final class Ipv6OnlyInterface {
    private static final Logger log = LoggerFactory.getLogger(Ipv6OnlyInterface.class);
    private static final Pattern ROUTE_DEV = Pattern.compile("\\sdev\\s+(\\S+)");
    /** RTF_REJECT: the kernel's unreachable and prohibit routes, which are no way out. */
    private static final int RTF_REJECT = 0x0200;

    private Ipv6OnlyInterface() {
    }

    /**
     * Chooses on this host: its interfaces and IPv6 addresses, {@code ip -6 route get} and the IPv6 default route.
     * Public for {@code weft doctor}, which must choose as the agent does.
     */
    public static ExternalInterface choose(ExternalInterface.Rules rules, String publicIpv6) throws ExternalInterface.NotFound {
        return choose(rules, publicIpv6, HostInterfaces.read(), HostIpv6Addresses.read(), Ipv6OnlyInterface::routeGet,
                defaultRouteInterface());
    }

    /**
     * The choice over a given view of the host, for tests.
     *
     * @param routeGet     {@code ip -o -6 route get <address>} output for an address, or null if there is no route
     * @param defaultRoute the IPv6 default route's interface name, or null
     */
    static ExternalInterface choose(ExternalInterface.Rules rules, String publicIpv6, HostInterfaces links,
                                    HostIpv6Addresses addrs, Function<String, String> routeGet, String defaultRoute)
            throws ExternalInterface.NotFound {
        Optional<String> name = Optional.empty();
        if (!rules.any()) {
            Optional<Inet6Address> given = ipv6(publicIpv6);
            name = given.map(addrs::owner);
            if (name.isEmpty()) {
                if (defaultRoute == null) {
                    throw new ExternalInterface.NotFound("the network config is IPv6-only and there is no IPv6 default"
                            + " route to pick the underlay interface from; name it with -iface (interfaces here: "
                            + describe(links, addrs) + ")");
                }
                name = Optional.of(defaultRoute);
            }
        }
        for (int i = 0; name.isEmpty() && i < rules.ifaces().size(); i++) {
            String spec = rules.ifaces().get(i).trim();
            Optional<Inet6Address> a = ipv6(spec);
            name = a.isPresent() ? Optional.ofNullable(addrs.owner(a.get())) : links.byName(spec).map(HostInterfaces.Iface::name);
            if (name.isEmpty()) {
                log.info("no interface matches -iface {} (by name or IPv6 address: the network is IPv6-only); trying"
                        + " the next rule", spec);
            }
        }
        for (int i = 0; name.isEmpty() && i < rules.regexes().size(); i++) {
            name = byRegex(links, addrs, rules.regexes().get(i));
            if (name.isEmpty()) {
                log.info("no interface matches -iface-regex {}; trying the next rule", rules.regexes().get(i));
            }
        }
        if (name.isEmpty() && rules.canReach() != null) {
            name = byRoute(rules.canReach(), routeGet);
        }
        String chosen = name.orElseThrow(() -> new ExternalInterface.NotFound("no interface matches "
                + ExternalInterface.describe(rules) + " (by name or IPv6 address: the network config is IPv6-only;"
                + " interfaces here: " + describe(links, addrs) + "); name an existing interface or IPv6 address"));
        HostInterfaces.Iface iface = links.byName(chosen).orElseThrow(() -> new ExternalInterface.NotFound(
                "the IPv6 default route's interface " + chosen + " is not a link here; name the underlay with -iface"));
        return new ExternalInterface(iface.name(), null, iface.mtu());
    }

    private static Optional<String> byRegex(HostInterfaces links, HostIpv6Addresses addrs, String rx)
            throws ExternalInterface.NotFound {
        Pattern p;
        try {
            p = Pattern.compile(rx);
        } catch (PatternSyntaxException e) {
            throw new ExternalInterface.NotFound("-iface-regex " + rx + " is not a regular expression: "
                    + e.getDescription() + " near index " + e.getIndex());
        }
        // IPv6 addresses of every interface first, then names: flanneld's order for its IPv6 stack
        for (HostInterfaces.Iface i : links.all()) {
            if (addrs.on(i.name()).stream().anyMatch(a -> p.matcher(Subnet.formatAddress(a)).find())) {
                return Optional.of(i.name());
            }
        }
        return links.all().stream().map(HostInterfaces.Iface::name).filter(n -> p.matcher(n).find()).findFirst();
    }

    private static Optional<String> byRoute(String target, Function<String, String> routeGet)
            throws ExternalInterface.NotFound {
        if (ipv6(target).isEmpty()) {
            throw new ExternalInterface.NotFound("-iface-can-reach " + target + " is not an IPv6 address, and the network"
                    + " config is IPv6-only; give an IPv6 address the underlay reaches");
        }
        String route = routeGet.apply(target);
        Matcher dev = route == null ? null : ROUTE_DEV.matcher(" " + route);
        if (dev == null || !dev.find()) {
            log.info("no IPv6 route to -iface-can-reach {}: {}", target, route == null ? "ip route get failed" : route.trim());
            return Optional.empty();
        }
        log.info("-iface-can-reach {}: the route goes out of {}", target, dev.group(1));
        return Optional.of(dev.group(1));
    }

    private static String describe(HostInterfaces links, HostIpv6Addresses addrs) {
        StringBuilder sb = new StringBuilder();
        for (HostInterfaces.Iface i : links.all()) {
            List<Inet6Address> on = addrs.on(i.name());
            sb.append(sb.length() == 0 ? "" : ", ").append(i.name())
                    .append(on.isEmpty() ? "" : " " + Subnet.formatAddress(on.get(0)));
        }
        return sb.toString();
    }

    private static Optional<Inet6Address> ipv6(String text) {
        if (text == null || text.isBlank() || !text.contains(":")) {
            return Optional.empty();
        }
        try {
            InetAddress a = Subnet.parseAddress(text.trim());
            return a instanceof Inet6Address v6 ? Optional.of(v6) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** {@code ip -o -6 route get <address>}, or null when there is no route. */
    private static String routeGet(String address) {
        HostCommand.Result r = HostCommand.run(List.of("ip", "-o", "-6", "route", "get", address));
        return r.ok() ? r.stdout() : null;
    }

    /** The interface of the IPv6 default route in /proc/net/ipv6_route (the main table), or null. */
    static String defaultRouteInterface() {
        try {
            return defaultRouteInterface(Files.readString(Path.of("/proc/net/ipv6_route")));
        } catch (IOException e) {
            return null; // no IPv6, or not Linux
        }
    }

    /**
     * The first {@code ::/0} route of {@code /proc/net/ipv6_route} text that is not a reject route (the kernel keeps an
     * unreachable default on {@code lo}), as flannel's {@code GetDefaultV6GatewayInterface} takes the first default.
     */
    static String defaultRouteInterface(String ipv6Route) {
        for (String line : ipv6Route.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 10 && f[0].matches("0{32}") && f[1].equals("00")
                    && (Integer.parseInt(f[8], 16) & RTF_REJECT) == 0 && !f[9].equals("lo")) {
                return f[9];
            }
        }
        return null;
    }
}
