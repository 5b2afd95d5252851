package io.weft.dataplane.agent;

import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.InheritedFds;
import io.weft.dataplane.os.LibC;
import io.weft.dataplane.socket.VxlanSocket;
import io.weft.dataplane.tun.TunDevice;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The last run's TUN queues and VXLAN sockets, attached and bound first thing when the agent starts again, before the
 * JVM has loaded most of weft: from then on the pods' packets wait in the TUN queues and the peers' datagrams in the
 * socket buffers until the data plane reads them, instead of being dropped by a TUN without a reader and answered
 * with port-unreachable by a host without the socket. A restart without the service manager's fd store thus loses
 * only what arrives between the last agent's exit and this attach, not everything until the next agent forwards.
 *
 * <p>What to attach is read from {@code <run-dir>/attach.properties}, a few lines written with state.json (whose
 * JSON reader would cost more start-up time than the attach saves). Nothing here logs: slf4j is initialised after the
 * attach. Every failure (no file, the device gone, the port taken) just leaves that kind of descriptor to the data
 * plane to open as usual, where its errors are reported.
 */
final class EarlyFds {
    static final String FILE = "attach.properties";

    private EarlyFds() {
    }

    /** What {@link #open} needs of {@code c}, in the file's form. */
    static String describe(DataPlaneConfig c) {
        Properties p = new Properties();
        p.setProperty("device", c.device());
        p.setProperty("workers", Integer.toString(c.workers()));
        p.setProperty("offloads", Boolean.toString(c.offloads()));
        p.setProperty("port", Integer.toString(c.port()));
        if (c.hasIpv4()) {
            p.setProperty("ipv4.bind", c.bindAddress() == null ? "0.0.0.0" : c.bindAddress().getHostAddress());
        }
        if (c.hasIpv6()) {
            p.setProperty("ipv6.bind", c.ipv6().bindAddress() == null ? "::" : c.ipv6().bindAddress().getHostAddress());
        }
        StringWriter out = new StringWriter();
        try {
            p.store(out, "the TUN queues and VXLAN sockets the next weft attaches first thing (see state.json)");
        } catch (IOException e) {
            throw new IllegalStateException(e); // (a StringWriter)
        }
        return out.toString();
    }

    /** Writes {@link #describe} of {@code c} to the run dir, atomically (after start-up: RunState loads Jackson). */
    static void write(Path runDir, DataPlaneConfig c) throws IOException {
        RunState.writeAtomically(runDir, FILE, describe(c));
    }

    /**
     * Attaches the queues and binds the sockets the run dir describes, or returns {@link InheritedFds#NONE} (no file,
     * or the service manager passed descriptors: those are the ones to take over). Each kind comes all or not at all:
     * one socket per worker or none, so that the data plane never binds some beside these.
     */
    static InheritedFds open(Path runDir) {
        if (System.getenv("LISTEN_FDS") != null) {
            return InheritedFds.NONE;
        }
        Properties p;
        try (Reader in = new StringReader(Files.readString(runDir.resolve(FILE)))) {
            p = new Properties();
            p.load(in);
        } catch (IOException | RuntimeException e) {
            return InheritedFds.NONE;
        }
        try {
            String device = p.getProperty("device", "");
            int workers = Integer.parseInt(p.getProperty("workers", "0"));
            int port = Integer.parseInt(p.getProperty("port", "0"));
            if (workers < 1 || port < 1 || !Files.exists(Path.of("/sys/class/net", device, "tun_flags"))) {
                return InheritedFds.NONE;
            }
            InetAddress v4 = literal(p.getProperty("ipv4.bind"));
            InetAddress v6 = literal(p.getProperty("ipv6.bind"));
            List<Integer> tun = tunQueues(device, workers, Boolean.parseBoolean(p.getProperty("offloads")));
            List<Integer> udp = v4 == null ? List.of() : sockets(v4, port, workers);
            List<Integer> udp6 = v6 == null ? List.of() : sockets(v6, port, workers);
            if ((v4 != null && udp.isEmpty()) || (v6 != null && udp6.isEmpty())) {
                // both underlays' sockets or neither: a half-bound port would fail the data plane's own bind check
                closeAll(udp);
                closeAll(udp6);
                udp = List.of();
                udp6 = List.of();
            }
            return new InheritedFds(tun, udp, udp6, List.of());
        } catch (NumberFormatException | UnknownHostException e) {
            return InheritedFds.NONE;
        }
    }

    /** An address written as digits (never a name to look up: no DNS on the start path), or null if absent. */
    private static InetAddress literal(String address) throws UnknownHostException {
        if (address == null) {
            return null;
        }
        if (!address.matches("[0-9a-fA-F:.]+")) {
            throw new UnknownHostException(address);
        }
        return InetAddress.getByName(address);
    }

    private static List<Integer> tunQueues(String device, int workers, boolean vnetHdr) {
        List<Integer> fds = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            int fd = TunDevice.attachQueue(device, workers, vnetHdr);
            if (fd < 0) {
                closeAll(fds);
                return List.of();
            }
            fds.add(fd);
        }
        return fds;
    }

    /** {@code workers} UDP sockets bound to {@code address}:{@code port} (with SO_REUSEPORT if several), or none. */
    private static List<Integer> sockets(InetAddress address, int port, int workers) {
        List<Integer> fds = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            int fd = socket(address, port, workers > 1);
            if (fd < 0) {
                closeAll(fds);
                return List.of();
            }
            fds.add(fd);
        }
        return fds;
    }

    /** SOL_SOCKET options and IPv6's IPV6_V6ONLY (as the data plane's own IPv6 sockets have it). */
    private static final int SO_REUSEPORT = 15;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;

    private static int socket(InetAddress address, int port, boolean reusePort) {
        boolean v6 = address instanceof Inet6Address;
        int fd = LibC.socket(v6 ? LibC.AF_INET6 : LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return -1;
        }
        byte[] sockaddr = sockaddr(address, port);
        boolean ok = (!v6 || LibC.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0)
                && (!reusePort || LibC.setsockopt(fd, LibC.SOL_SOCKET, SO_REUSEPORT, 1) == 0)
                && LibC.bind(fd, sockaddr, sockaddr.length) == 0;
        if (!ok) {
            LibC.close(fd);
            return -1;
        }
        // room for what arrives before the workers read (the data plane sets the same size again)
        LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, VxlanSocket.SOCKET_BUFFER_BYTES);
        return fd;
    }

    /** A {@code struct sockaddr_in} (16 bytes) or {@code sockaddr_in6} (28 bytes, scope 0) for bind(2). */
    static byte[] sockaddr(InetAddress address, int port) {
        byte[] a = address.getAddress();
        boolean v6 = address instanceof Inet6Address;
        byte[] s = new byte[v6 ? 28 : 16];
        int family = v6 ? LibC.AF_INET6 : LibC.AF_INET;
        s[0] = (byte) family; // sa_family_t in the machine's (little-endian) order
        s[1] = (byte) (family >>> 8);
        s[2] = (byte) (port >>> 8); // the port in network order
        s[3] = (byte) port;
        System.arraycopy(a, 0, s, v6 ? 8 : 4, a.length); // (sin6_flowinfo, 4 bytes, before the IPv6 address)
        return s;
    }

    private static void closeAll(List<Integer> fds) {
        for (int fd : fds) {
            LibC.close(fd);
        }
    }
}
