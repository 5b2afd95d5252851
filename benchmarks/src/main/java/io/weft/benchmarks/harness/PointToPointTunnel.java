package io.weft.benchmarks.harness;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.util.List;
import java.util.Map;

/**
 * A user-space point-to-point tunnel from fast-path.md §5: one process per side relaying between a TUN device
 * and a UDP socket on the veth. The TUN MTU is set to 1450, as weft's and flannel.1's, so every path carries
 * the same inner packet size.
 */
final class PointToPointTunnel implements Tunnel {
    private static final long DEVICE_WAIT_SECONDS = 15;

    private final String prefix;
    private final List<Cmd> processes;

    private PointToPointTunnel(String prefix, List<Cmd> processes) {
        this.prefix = prefix;
        this.processes = processes;
    }

    /** {@code socat -b 65536 UDP:<peer>:9000,bind=<self>:9000 TUN:10.79.0.<n>/24,...} on each side. */
    static PointToPointTunnel socat(Rig rig) {
        return start(rig, "10.79.0.", "s", side -> List.of("socat", "-b", "65536",
                "UDP:" + rig.underlayIp(side.other()) + ":9000,bind=" + rig.underlayIp(side) + ":9000",
                "TUN:" + inner("10.79.0.", side) + "/24,tun-name=" + device("s", side) + ",tun-type=tun,iff-no-pi,iff-up"));
    }

    /** OpenVPN in the clear: {@code --cipher none --auth none --disable-dco}, peer to peer over UDP 1194. */
    static PointToPointTunnel openVpn(Rig rig) {
        return start(rig, "10.80.0.", "o", side -> List.of("openvpn", "--dev", device("o", side), "--dev-type", "tun",
                "--ifconfig", inner("10.80.0.", side), inner("10.80.0.", side.other()), "--proto", "udp",
                "--local", rig.localIp(side), "--lport", "1194", "--remote", rig.underlayIp(side.other()), "--rport", "1194",
                "--cipher", "none", "--auth", "none", "--disable-dco", "--tun-mtu", Integer.toString(Overlay.MTU),
                "--verb", "1"));
    }

    private interface CommandForSide {
        List<String> command(Rig.Side side);
    }

    private static PointToPointTunnel start(Rig rig, String prefix, String deviceLetter, CommandForSide commands) {
        Cmd a = null;
        Cmd b = null;
        try {
            a = rig.a.start(commands.command(Rig.Side.A).get(0) + "-A", commands.command(Rig.Side.A));
            b = rig.b.start(commands.command(Rig.Side.B).get(0) + "-B", commands.command(Rig.Side.B));
            for (Rig.Side side : Rig.Side.values()) {
                Cmd p = side == Rig.Side.A ? a : b;
                awaitDevice(rig.ns(side), device(deviceLetter, side), p);
                rig.ns(side).ip("link", "set", device(deviceLetter, side), "mtu", Integer.toString(Overlay.MTU), "up");
            }
            return new PointToPointTunnel(prefix, List.of(a, b));
        } catch (RuntimeException e) {
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
            throw e;
        }
    }

    private static void awaitDevice(Netns ns, String device, Cmd p) {
        long deadline = System.nanoTime() + DEVICE_WAIT_SECONDS * 1_000_000_000L;
        while (!ns.hasLink(device)) {
            if (!p.alive() || System.nanoTime() > deadline) {
                throw new BenchException(p.name() + " did not create " + device + " in " + ns.name() + ": " + p.tail());
            }
            sleep(100);
        }
    }

    private static String device(String letter, Rig.Side side) {
        return Rig.PREFIX + letter + (side == Rig.Side.A ? "0" : "1");
    }

    private static String inner(String prefix, Rig.Side side) {
        return prefix + (side == Rig.Side.A ? "1" : "2");
    }

    @Override
    public String addressOf(Rig.Side side) {
        return inner(prefix, side);
    }

    @Override
    public List<Cmd> processes() {
        return processes;
    }

    @Override
    public Map<String, Object> diagnostics() {
        return Map.of();
    }

    @Override
    public void close() {
        processes.forEach(Cmd::close);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }
}
