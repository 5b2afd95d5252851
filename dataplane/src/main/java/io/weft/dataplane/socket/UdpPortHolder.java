package io.weft.dataplane.socket;

import io.weft.dataplane.os.HostCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds who already holds a UDP port in this network namespace, so that start-up can refuse with a useful
 * message. weft binds with SO_REUSEPORT (one socket per worker), which would otherwise let a second weft, or
 * any SO_REUSEPORT socket of the same user, silently share the VXLAN port and steal half of the packets.
 *
 * <p>Sources: {@code /proc/net/udp} and {@code /proc/net/udp6} (local port, socket inode; a kernel socket such
 * such as a vxlan device's is in no process's fd table), {@code ip -d -j link show type vxlan} (each device's dstport; a device binds
 * its port only while it is up), and {@code /proc/<pid>/fd} links {@code socket:[inode]}.
 */
public final class UdpPortHolder {
    private static final Pattern VXLAN_DEVICE = Pattern.compile(
            "\"ifname\"\\s*:\\s*\"([^\"]+)\".*?\"info_kind\"\\s*:\\s*\"vxlan\".*?\"port\"\\s*:\\s*(\\d+)");
    /** Only an error message waits for this answer: give up on it early rather than delay the error. */
    private static final Duration IP_DEADLINE = Duration.ofSeconds(5);

    private UdpPortHolder() {
    }

    /** A socket bound to the port: its inode (0 for a kernel socket). */
    public record BoundSocket(String table, long inode) {
    }

    /** The sockets bound to local {@code port} in the given {@code /proc/net/udp}-format text. */
    public static List<BoundSocket> parseProcNetUdp(String table, String text, int port) {
        List<BoundSocket> out = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < 10) {
                continue;
            }
            String local = f[1];
            int colon = local.lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            int localPort;
            try {
                localPort = Integer.parseInt(local.substring(colon + 1), 16);
            } catch (NumberFormatException e) {
                continue;
            }
            if (localPort == port) {
                out.add(new BoundSocket(table, Long.parseLong(f[9])));
            }
        }
        return out;
    }

    /** Names of vxlan devices whose dstport is {@code port}, from {@code ip -d -j link show type vxlan} output. */
    public static List<String> parseVxlanDevices(String ipJson, int port) {
        List<String> names = new ArrayList<>();
        // One JSON object per device; splitting on the ifindex key keeps each device's fields together.
        for (String dev : ipJson.split("\\{\"ifindex\"")) {
            Matcher m = VXLAN_DEVICE.matcher(dev);
            if (m.find() && Integer.parseInt(m.group(2)) == port) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** A description of what holds {@code port}, or empty if nothing in this namespace does. */
    public static Optional<String> describe(int port) {
        List<BoundSocket> sockets = new ArrayList<>();
        for (String table : List.of("udp", "udp6")) {
            try {
                sockets.addAll(parseProcNetUdp(table, Files.readString(Path.of("/proc/net", table)), port));
            } catch (IOException ignored) {
                // no IPv6, or no /proc: nothing to report from this table
            }
        }
        if (sockets.isEmpty()) {
            return Optional.empty();
        }
        List<String> holders = new ArrayList<>();
        // A kernel socket (vxlan device) has no fd in any process; on older kernels its inode is 0. So the vxlan
        // devices with this dstport are named first, and an inode no process holds is put down to them.
        List<String> devices = parseVxlanDevices(runIp("-d", "-j", "link", "show", "type", "vxlan"), port);
        for (String d : devices) {
            holders.add("the kernel vxlan device " + d
                    + (d.startsWith("flannel") ? " (left by flanneld; stop flanneld and start weft with --replace-flannel,"
                    + " which removes it and keeps the lease, or run 'ip link delete " + d + "')"
                    : " (remove it with 'ip link delete " + d + "')"));
        }
        for (BoundSocket s : sockets) {
            Optional<String> process = s.inode() == 0 ? Optional.empty() : processHolding(s.inode());
            if (process.isPresent()) {
                holders.add(process.get());
            } else if (devices.isEmpty()) {
                holders.add("a kernel socket (a tunnel device) or a process we cannot see (socket inode " + s.inode() + ")");
            }
        }
        return Optional.of(String.join(", ", holders.stream().distinct().toList()));
    }

    /** The readable start-up error for a port that is taken. */
    public static String inUseMessage(int port, String holder) {
        return "UDP port " + port + " is already in use by " + holder + "; free it, or set \"Port\" in the Backend"
                + " section of the network config (Backend.Port) to another port on every node";
    }

    private static Optional<String> processHolding(long inode) {
        String link = "socket:[" + inode + "]";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path proc : procs) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            if (link.equals(Files.readSymbolicLink(fd).toString())) {
                                return Optional.of("process " + proc.getFileName() + " (" + commandLine(proc) + ")");
                            }
                        } catch (IOException ignored) {
                            // the fd closed while we looked
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended, or we may not look
                }
            }
        } catch (IOException ignored) {
            // no /proc
        }
        return Optional.empty();
    }

    private static String commandLine(Path proc) {
        try {
            String cmd = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
            if (cmd.length() > 120) {
                cmd = cmd.substring(0, 117) + "...";
            }
            return cmd.isEmpty() ? "?" : cmd;
        } catch (IOException e) {
            return "?";
        }
    }

    /** ip's output, or "" when it fails: the description then just names fewer holders. */
    private static String runIp(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        HostCommand.Result r = HostCommand.run(cmd, IP_DEADLINE);
        return r.ok() ? r.stdout() : "";
    }
}
