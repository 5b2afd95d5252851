package io.weft.benchmarks.harness;

/**
 * The "physical" network of the bench: namespaces {@code wbench-a} and {@code wbench-b} joined by one veth pair
 * with MTU 1500 on 10.77.0.0/24. Every tunnel is built on top of this same pair, one at a time.
 *
 * <p>By default TX checksum offload is off on both veth ends. A veth never computes checksums (a packet stays
 * CHECKSUM_PARTIAL end to end), so a kernel VXLAN sender would hand weft's UDP socket inner TCP segments that
 * carry only the pseudo-header sum; a real NIC, or the kernel when the NIC lacks the offload, fills them in
 * before the wire. Turning it off makes the kernel do that here too. {@code --veth-tx-offload on} keeps it.
 *
 * <p>GRO is on at both veth ends, for every path: a real NIC has it on by default, a veth only when asked. It lets
 * the receiving kernel coalesce a burst of VXLAN datagrams, into one TCP super-packet for a kernel vxlan device or
 * into one UDP_GRO run for weft's socket (one receive call instead of ~40).
 */
final class Rig implements AutoCloseable {
    static final String IP_A = "10.77.0.1";
    static final String IP_B = "10.77.0.2";
    static final int MTU = 1500;

    final Netns a;
    final Netns b;
    /** The TX checksum offload setting every tunnel but the offload reference runs with. */
    final boolean txOffload;
    final String vethA = Netns.PREFIX + "va";
    final String vethB = Netns.PREFIX + "vb";

    private Rig(Netns a, Netns b, boolean txOffload) {
        this.a = a;
        this.b = b;
        this.txOffload = txOffload;
    }

    static Rig create(boolean txOffload) {
        Netns a = Netns.create(Netns.PREFIX + "a");
        Netns b = null;
        try {
            b = Netns.create(Netns.PREFIX + "b");
            Rig rig = new Rig(a, b, txOffload);
            Cmd.run(20, "ip", "link", "add", rig.vethA, "mtu", Integer.toString(MTU), "netns", a.name(), "type", "veth",
                    "peer", "name", rig.vethB, "mtu", Integer.toString(MTU), "netns", b.name()).requireOk();
            a.ip("addr", "add", IP_A + "/24", "dev", rig.vethA);
            b.ip("addr", "add", IP_B + "/24", "dev", rig.vethB);
            // No IPv6: router solicitations and MLD reports would be the only other traffic on the tunnels.
            for (Netns ns : new Netns[] {a, b}) {
                ns.exec(20, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
                        .requireOk();
            }
            a.ip("link", "set", rig.vethA, "up");
            b.ip("link", "set", rig.vethB, "up");
            if (!txOffload) {
                rig.setTxOffload(false);
            }
            a.exec(20, "ethtool", "-K", rig.vethA, "gro", "on").requireOk();
            b.exec(20, "ethtool", "-K", rig.vethB, "gro", "on").requireOk();
            return rig;
        } catch (RuntimeException e) {
            a.close();
            if (b != null) {
                b.close();
            }
            throw e;
        }
    }

    /** {@code ethtool -K <veth> tx on|off} on both ends (TSO and GSO of the veth follow the checksum offload). */
    void setTxOffload(boolean on) {
        a.exec(20, "ethtool", "-K", vethA, "tx", on ? "on" : "off").requireOk();
        b.exec(20, "ethtool", "-K", vethB, "tx", on ? "on" : "off").requireOk();
    }

    Netns ns(Side side) {
        return side == Side.A ? a : b;
    }

    String underlayIp(Side side) {
        return side == Side.A ? IP_A : IP_B;
    }

    String veth(Side side) {
        return side == Side.A ? vethA : vethB;
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }

    /** One end of the rig. */
    enum Side {
        A, B;

        Side other() {
            return this == A ? B : A;
        }
    }
}
