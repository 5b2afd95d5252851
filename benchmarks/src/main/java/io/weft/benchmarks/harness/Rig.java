package io.weft.benchmarks.harness;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.netns.Underlay;

/**
 * The "physical" network of the bench: namespaces {@code wbench-a} and {@code wbench-b} joined by one veth pair
 * with MTU 1500 on 10.77.0.0/24 (the lab kit's {@link Underlay}). Every tunnel is built on top of this same pair,
 * one at a time.
 *
 * <p>By default the veths keep their own offloads, as in container labs and between VMs: TX checksum offload on. A
 * veth never computes checksums (a packet stays CHECKSUM_PARTIAL end to end), so a kernel VXLAN sender hands weft's
 * UDP socket inner TCP/UDP packets that carry only the pseudo-header sum, which weft takes as the kernel does.
 * {@code --wire} turns the offload off for every path but kernel-vxlan-offload: the kernel then fills in every
 * checksum before the veth, as a real NIC (or the kernel when the NIC lacks the offload) does before the wire.
 *
 * <p>GRO is on at both veth ends, for every path: a real NIC has it on by default, a veth only when asked. It lets
 * the receiving kernel coalesce a burst of VXLAN datagrams, into one TCP super-packet for a kernel vxlan device or
 * into one UDP_GRO run for weft's socket (one receive call instead of ~40).
 *
 * <p>No IPv6: router solicitations and MLD reports would be the only other traffic on the tunnels.
 */
final class Rig implements AutoCloseable {
    /** Every namespace, interface and temporary file of the bench is named with it. */
    static final String PREFIX = Netns.BENCH_PREFIX;
    static final String IP_A = "10.77.0.1";
    static final String IP_B = "10.77.0.2";
    static final int MTU = 1500;

    final Netns a;
    final Netns b;
    /** The TX checksum offload setting every tunnel but the offload reference runs with (off only with --wire). */
    final boolean txOffload;
    private final Underlay underlay;

    private Rig(Underlay underlay, boolean txOffload) {
        this.underlay = underlay;
        this.a = underlay.a;
        this.b = underlay.b;
        this.txOffload = txOffload;
    }

    static Rig create(boolean txOffload) {
        return new Rig(new Underlay(PREFIX, IP_A, IP_B, new Underlay.Links(MTU, false, txOffload, true)), txOffload);
    }

    /** {@code ethtool -K <veth> tx on|off} on both ends (TSO and GSO of the veth follow the checksum offload). */
    void setTxOffload(boolean on) {
        underlay.setTxOffload(on);
    }

    Netns ns(Side side) {
        return side == Side.A ? a : b;
    }

    String underlayIp(Side side) {
        return side == Side.A ? IP_A : IP_B;
    }

    String veth(Side side) {
        return side == Side.A ? underlay.vethA : underlay.vethB;
    }

    @Override
    public void close() {
        underlay.close();
    }

    /** One end of the rig. */
    enum Side {
        A, B;

        Side other() {
            return this == A ? B : A;
        }
    }
}
