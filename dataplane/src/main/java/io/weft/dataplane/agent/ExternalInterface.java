package io.weft.dataplane.agent;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The underlay interface, chosen as flanneld chooses it: the first {@code -iface} (name or address) that exists,
 * else the first interface whose name or address matches an {@code -iface-regex}, else the interface of the
 * default route. Its first IPv4 address is the address weft sends from; its MTU sizes the TUN.
 */
public record ExternalInterface(String name, Inet4Address address, int mtu) {

    /** A choice that cannot be made, with a message for the user. */
    public static final class NotFound extends Exception {
        private static final long serialVersionUID = 1L;

        NotFound(String message) {
            super(message);
        }
    }

    public static ExternalInterface choose(List<String> ifaces, List<String> regexes) throws NotFound {
        List<NetworkInterface> all = interfaces();
        if (!ifaces.isEmpty()) {
            for (String spec : ifaces) {
                Optional<ExternalInterface> found = byNameOrAddress(all, spec.trim());
                if (found.isPresent()) {
                    return found.get();
                }
            }
            throw new NotFound("no interface matches -iface " + String.join(",", ifaces) + " (with an IPv4 address; "
                    + "interfaces here: " + describe(all) + "); name an existing interface or address");
        }
        if (!regexes.isEmpty()) {
            for (String rx : regexes) {
                Pattern p = Pattern.compile(rx);
                for (NetworkInterface ni : all) {
                    Inet4Address a = firstV4(ni);
                    if (a != null && (p.matcher(ni.getName()).find() || p.matcher(a.getHostAddress()).find())) {
                        return of(ni, a);
                    }
                }
            }
            throw new NotFound("no interface matches -iface-regex " + String.join(",", regexes)
                    + " (interfaces here: " + describe(all) + ")");
        }
        String def = defaultRouteInterface();
        if (def == null) {
            throw new NotFound("there is no default route to pick the underlay interface from; name it with -iface"
                    + " (interfaces here: " + describe(all) + ")");
        }
        return byNameOrAddress(all, def).orElseThrow(() -> new NotFound("the default-route interface " + def
                + " has no IPv4 address; name the underlay interface with -iface"));
    }

    private static Optional<ExternalInterface> byNameOrAddress(List<NetworkInterface> all, String spec) {
        for (NetworkInterface ni : all) {
            Inet4Address a = firstV4(ni);
            if (a == null) {
                continue;
            }
            if (ni.getName().equals(spec)) {
                return Optional.of(of(ni, a));
            }
            for (InetAddress addr : Collections.list(ni.getInetAddresses())) {
                if (addr instanceof Inet4Address && addr.getHostAddress().equals(spec)) {
                    return Optional.of(of(ni, (Inet4Address) addr));
                }
            }
        }
        return Optional.empty();
    }

    private static ExternalInterface of(NetworkInterface ni, Inet4Address a) {
        try {
            return new ExternalInterface(ni.getName(), a, ni.getMTU());
        } catch (SocketException e) {
            return new ExternalInterface(ni.getName(), a, 1500);
        }
    }

    private static Inet4Address firstV4(NetworkInterface ni) {
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
            if (a instanceof Inet4Address) {
                return (Inet4Address) a;
            }
        }
        return null;
    }

    private static List<NetworkInterface> interfaces() {
        try {
            List<NetworkInterface> out = new ArrayList<>(Collections.list(NetworkInterface.getNetworkInterfaces()));
            out.sort((x, y) -> Integer.compare(x.getIndex(), y.getIndex()));
            return out;
        } catch (SocketException e) {
            return List.of();
        }
    }

    private static String describe(List<NetworkInterface> all) {
        return all.stream().map(ni -> {
            Inet4Address a = firstV4(ni);
            return a == null ? ni.getName() : ni.getName() + " " + a.getHostAddress();
        }).collect(Collectors.joining(", "));
    }

    /** The interface of the IPv4 default route, from /proc/net/route, or null. */
    static String defaultRouteInterface() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1).collect(Collectors.toList())) {
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
