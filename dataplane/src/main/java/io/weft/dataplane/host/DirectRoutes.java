package io.weft.dataplane.host;

import io.weft.dataplane.os.HostCommand;
import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code Backend.DirectRouting}, as flanneld does it ({@code pkg/backend/vxlan/vxlan_network.go},
 * {@code pkg/ip/iface.go DirectRouting}): a peer whose PublicIP the kernel reaches with one route and no gateway (the
 * same L2 segment) gets a plain kernel route for its pod subnet, {@code <subnet> via <PublicIP> dev <underlay>}, and its
 * traffic is not encapsulated at all; the others stay behind weft's one Network route through the TUN. The direct route
 * is more specific than that route, so the kernel never hands such a packet to the TUN.
 *
 * <p>Every route weft installs here carries {@code proto }{@value #PROTOCOL}, so that the set can be read back from the
 * kernel ({@code ip route show proto 87}): after a restart it is adopted, and {@link #removeAll()} takes it away for
 * {@code weft cleanup} or when DirectRouting has been turned off. {@link #follow} brings the kernel in line with the
 * peers given, in at most three {@code ip} runs whatever their number ({@code ip -batch}). Not thread-safe on its own:
 * the caller runs {@link #follow} from one thread.
 */
public final class DirectRoutes {
    private static final Logger log = LoggerFactory.getLogger(DirectRoutes.class);
    /** The routing protocol number on weft's direct routes ({@code proto 87} in {@code ip route}; 87 is ASCII 'W'). */
    public static final int PROTOCOL = 87;
    private static final Pattern LISTED = Pattern.compile("^(\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+)\\s+via\\s+(\\S+)\\s+dev\\s+(\\S+)");
    private static final Pattern GOT = Pattern.compile("^(\\d+\\.\\d+\\.\\d+\\.\\d+)\\s+(.*)$");
    private static final Pattern DEV = Pattern.compile("\\bdev\\s+(\\S+)");

    /** One direct route: a peer's pod subnet via its PublicIP on an underlay device. */
    public record Route(Subnet subnet, Inet4Address via, String device) {
        String replaceCommand() {
            return "route replace " + subnet + " via " + via.getHostAddress() + " dev " + device + " proto " + PROTOCOL;
        }

        String deleteCommand() {
            return "route del " + subnet + " via " + via.getHostAddress() + " dev " + device + " proto " + PROTOCOL;
        }

        @Override
        public String toString() {
            return subnet + " via " + via.getHostAddress() + " dev " + device;
        }
    }

    /** A peer as far as direct routing goes: its pod subnet and the address it advertises. */
    public record Peer(Subnet subnet, Inet4Address publicIp) {
    }

    /** How the host is asked: {@code ip -batch} of commands, and the listing of our routes. */
    interface Ip {
        /** Runs the lines with {@code ip -o -4 -force -batch}; returns stdout (failed lines print nothing there). */
        String batch(List<String> lines);

        /** {@code ip -o -4 route show proto 87}. */
        String listOurs();
    }

    private final Ip ip;
    private final String tunDevice;
    /** Per PublicIP: the device that reaches it without a gateway, or empty; asked once per address, as flanneld does per event. */
    private final Map<Inet4Address, Optional<String>> directness = new HashMap<>();
    private volatile Map<Subnet, Route> installed;
    private Set<Subnet> reportedMissing = Set.of();

    /**
     * Routes to peers on the host now, adopting the direct routes a previous run left ({@code proto 87}).
     *
     * @param tunDevice weft's TUN: an address reached through it is never an underlay neighbour
     */
    public DirectRoutes(String tunDevice) {
        this(HOST, tunDevice);
    }

    DirectRoutes(Ip ip, String tunDevice) {
        this.ip = ip;
        this.tunDevice = tunDevice;
        this.installed = parseListing(ip.listOurs());
        if (!installed.isEmpty()) {
            log.info("DirectRouting: found {} direct route(s) of an earlier run (proto {})", installed.size(), PROTOCOL);
        }
    }

    /** The direct routes in the kernel as of the last {@link #follow}, by subnet: which peers are not encapsulated. */
    public Map<Subnet, Route> current() {
        return installed;
    }

    /**
     * Makes the kernel's direct routes those the given peers call for: a new peer on our segment gets its route, a
     * peer whose PublicIP changed gets it replaced, a peer that went away (or moved behind a gateway) loses it.
     * Returns true if every wanted route is in place; a failure is logged once while it lasts, and the next call tries
     * again.
     */
    public boolean follow(Collection<Peer> peers) {
        directness.keySet().retainAll(peers.stream().map(Peer::publicIp).toList());
        List<Inet4Address> unknown = peers.stream().map(Peer::publicIp).distinct()
                .filter(a -> !directness.containsKey(a)).toList();
        if (!unknown.isEmpty()) {
            Map<Inet4Address, Optional<String>> found = parseRouteGet(ip.batch(
                    unknown.stream().map(a -> "route get " + a.getHostAddress()).toList()), tunDevice);
            for (Inet4Address a : unknown) {
                directness.put(a, found.getOrDefault(a, Optional.empty()));
            }
        }
        Map<Subnet, Route> wanted = new TreeMap<>();
        for (Peer p : peers) {
            directness.get(p.publicIp()).ifPresent(dev -> wanted.put(p.subnet(), new Route(p.subnet(), p.publicIp(), dev)));
        }
        Map<Subnet, Route> before = installed;
        List<String> commands = new ArrayList<>();
        before.forEach((s, r) -> {
            if (!wanted.containsKey(s)) {
                commands.add(r.deleteCommand());
            }
        });
        wanted.forEach((s, r) -> {
            if (!r.equals(before.get(s))) {
                commands.add(r.replaceCommand());
            }
        });
        if (commands.isEmpty()) {
            return true;
        }
        ip.batch(commands);
        Map<Subnet, Route> now = parseListing(ip.listOurs());
        installed = now;
        logChanges(before, now);
        List<Subnet> missing = wanted.entrySet().stream().filter(e -> !e.getValue().equals(now.get(e.getKey())))
                .map(Map.Entry::getKey).toList();
        if (!missing.isEmpty() && !reportedMissing.containsAll(missing)) {
            log.warn("DirectRouting: could not install the direct route(s) for {}; they are tried again at the next"
                    + " lease change, and their traffic goes through the tunnel meanwhile", missing);
        }
        reportedMissing = Set.copyOf(missing);
        return missing.isEmpty();
    }

    private static void logChanges(Map<Subnet, Route> before, Map<Subnet, Route> now) {
        now.forEach((s, r) -> {
            if (!r.equals(before.get(s))) {
                log.info("DirectRouting: {} (proto {}), not encapsulated", r, PROTOCOL);
            }
        });
        before.forEach((s, r) -> {
            if (!now.containsKey(s)) {
                log.info("DirectRouting: removed {}", r);
            }
        });
    }

    /**
     * Removes every direct route weft installed ({@code proto 87} in the main table), for {@code weft cleanup} and for
     * a start with DirectRouting off; returns what was removed.
     */
    public static List<Route> removeAll() {
        return removeAll(HOST);
    }

    static List<Route> removeAll(Ip ip) {
        Map<Subnet, Route> ours = parseListing(ip.listOurs());
        if (!ours.isEmpty()) {
            ip.batch(ours.values().stream().map(Route::deleteCommand).toList());
        }
        return List.copyOf(ours.values());
    }

    /** {@code ip -o -4 route show proto 87} lines, by subnet. */
    static Map<Subnet, Route> parseListing(String text) {
        Map<Subnet, Route> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            Matcher m = LISTED.matcher(line.trim());
            if (m.find()) {
                Subnet s = Subnet.parse(m.group(1));
                out.put(s, new Route(s, (Inet4Address) Subnet.parseAddress(m.group(2)), m.group(3)));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Per address in {@code ip -o route get} output: the device when the kernel reaches it directly (a unicast route
     * with no gateway, flanneld's test), else empty. A local, broadcast or unreachable answer starts with its type
     * rather than the address, so it never counts; nor does an address reached through the TUN.
     */
    static Map<Inet4Address, Optional<String>> parseRouteGet(String text, String tunDevice) {
        Map<Inet4Address, Optional<String>> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = GOT.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            InetAddress a = Subnet.parseAddress(m.group(1));
            String rest = " " + m.group(2);
            Matcher dev = DEV.matcher(rest);
            boolean direct = !rest.contains(" via ") && dev.find() && !dev.group(1).equals(tunDevice);
            out.put((Inet4Address) a, direct ? Optional.of(dev.group(1)) : Optional.empty());
        }
        return out;
    }

    /** The real host: iproute2, with the batch in a temporary file (HostCommand gives tools no input). */
    private static final Ip HOST = new Ip() {
        @Override
        public String batch(List<String> lines) {
            Path file = null;
            try {
                file = Files.createTempFile("weft-ip-", ".batch");
                Files.write(file, lines);
                HostCommand.Result r = HostCommand.run(List.of("ip", "-o", "-4", "-force", "-batch", file.toString()));
                if (!r.ok() && !r.stderr().isBlank()) {
                    log.debug("ip -batch: {}", r.stderr().trim());
                }
                return r.stdout();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write a temporary file for ip -batch: " + e.getMessage(), e);
            } finally {
                if (file != null) {
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException ignored) {
                        // a temporary file left behind is harmless
                    }
                }
            }
        }

        @Override
        public String listOurs() {
            HostCommand.Result r = HostCommand.run(List.of("ip", "-o", "-4", "route", "show", "proto", Integer.toString(PROTOCOL)));
            return r.ok() ? r.stdout() : "";
        }
    };
}
