package io.weft.benchmarks.harness;

import io.weft.labkit.netns.NatGateway;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.netns.Switch;
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
 * <p>{@code --nat} builds instead what most users run: each host behind its own 1:1 NAT gateway namespace
 * ({@code wbench-g1}, {@code wbench-g2}, DNAT/SNAT as the lab kit's {@link NatGateway} and the NatCluster tests
 * build it) on a switch ({@code wbench-sw}, 10.78.0.0/24). Both hosts have the private address 10.0.0.2; each
 * reaches the other only at its public address (10.78.0.11, 10.78.0.12). Every veth keeps its defaults (TX checksum
 * and segmentation offload on, GRO off), as a container lab's do.
 *
 * <p>IPv6 only where an IPv6 path needs it (router solicitations and MLD reports would otherwise be the only other
 * traffic on the tunnels): the plain rig's veths also carry the IPv6 underlay {@code fd77::1}/{@code fd77::2} (/64),
 * on the same pair with the same offloads, and only the devices an IPv6 tunnel makes get IPv6 (see
 * {@link #ipv6OnNewDevices}); every other device in the namespaces has it disabled. The NAT rig is IPv4 only: IPv6
 * usually has no NAT.
 */
final class Rig implements AutoCloseable {
    /** Every namespace, interface and temporary file of the bench is named with it. */
    static final String PREFIX = Netns.BENCH_PREFIX;
    static final String IP_A = "10.77.0.1";
    static final String IP_B = "10.77.0.2";
    static final String IP6_A = "fd77::1";
    static final String IP6_B = "fd77::2";
    static final int MTU = 1500;

    /** The switch of the NAT rig. */
    static final String NAT_NET = "10.78.0";

    final Netns a;
    final Netns b;
    /** The TX checksum offload setting every tunnel but the offload reference runs with (off only with --wire). */
    final boolean txOffload;
    /** The plain rig's veth pair, or null on the NAT rig. */
    private final Underlay underlay;
    /** The NAT rig's switch and gateways, or null on the plain rig. */
    private final Switch natSwitch;
    private final NatGateway gatewayA;
    private final NatGateway gatewayB;

    private Rig(Underlay underlay, boolean txOffload) {
        this.underlay = underlay;
        this.a = underlay.a;
        this.b = underlay.b;
        this.txOffload = txOffload;
        this.natSwitch = null;
        this.gatewayA = null;
        this.gatewayB = null;
    }

    private Rig(Switch natSwitch, NatGateway gatewayA, NatGateway gatewayB) {
        this.underlay = null;
        this.natSwitch = natSwitch;
        this.gatewayA = gatewayA;
        this.gatewayB = gatewayB;
        this.a = gatewayA.host();
        this.b = gatewayB.host();
        this.txOffload = true;
    }

    static Rig create(boolean txOffload) {
        Underlay underlay = new Underlay(PREFIX, IP_A, IP_B, new Underlay.Links(MTU, false, txOffload, true));
        try {
            // IPv6 is disabled in both namespaces (all and default); the veths alone get it back, with the IPv6
            // underlay (nodad: usable at once, as a host's long-configured address is)
            addIpv6(underlay.a, underlay.vethA, IP6_A);
            addIpv6(underlay.b, underlay.vethB, IP6_B);
        } catch (RuntimeException e) {
            underlay.close();
            throw e;
        }
        return new Rig(underlay, txOffload);
    }

    private static void addIpv6(Netns ns, String veth, String ip) {
        ns.exec(20, "sysctl", "-q", "-w", "net.ipv6.conf." + veth + ".disable_ipv6=0").requireOk();
        ns.ip("-6", "addr", "add", ip + "/64", "dev", veth, "nodad");
    }

    /**
     * IPv6 on the devices made from now on in both namespaces ({@code net.ipv6.conf.default.disable_ipv6}): on while
     * an IPv6 tunnel is set up, so that its flannel-v6 device or weft's TUN can take IPv6 addresses, off again for the
     * IPv4 tunnels. Devices that exist keep their setting.
     */
    void ipv6OnNewDevices(boolean on) {
        requirePlainRig();
        for (Netns ns : new Netns[] {a, b}) {
            ns.exec(20, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=" + (on ? 0 : 1)).requireOk();
        }
    }

    /** The NAT rig: {@code wbench-a} and {@code wbench-b} each behind its own 1:1 NAT gateway, veths at defaults. */
    static Rig createNat() {
        Switch sw = Switch.create(PREFIX, NAT_NET);
        NatGateway ga = null;
        try {
            ga = NatGateway.add(sw, "a", 1);
            NatGateway gb = NatGateway.add(sw, "b", 2);
            return new Rig(sw, ga, gb);
        } catch (RuntimeException e) {
            if (ga != null) {
                ga.host().close();
                ga.gateway().close();
            }
            sw.close();
            throw e;
        }
    }

    boolean nat() {
        return natSwitch != null;
    }

    /** {@code ethtool -K <veth> tx on|off} on both ends (TSO and GSO of the veth follow the checksum offload). */
    void setTxOffload(boolean on) {
        if (underlay == null) {
            throw new BenchException("the NAT rig keeps its veths' defaults; --wire and --nat do not combine");
        }
        underlay.setTxOffload(on);
    }

    Netns ns(Side side) {
        return side == Side.A ? a : b;
    }

    /** Where the other side reaches {@code side}: its own address, or behind NAT its gateway's public one. */
    String underlayIp(Side side) {
        if (nat()) {
            return (side == Side.A ? gatewayA : gatewayB).publicIp();
        }
        return side == Side.A ? IP_A : IP_B;
    }

    private void requirePlainRig() {
        if (nat()) {
            throw new BenchException("the NAT rig is IPv4 only: run the IPv6 paths on the plain rig (without --nat)");
        }
    }

    /** {@code side}'s IPv6 underlay address (the plain rig only; the same on its interface and for its peer). */
    String underlayIp6(Side side) {
        requirePlainRig();
        return side == Side.A ? IP6_A : IP6_B;
    }

    /** The address {@code side} has on its own interface (behind NAT: the private one, the same on both). */
    String localIp(Side side) {
        return nat() ? NatGateway.PRIVATE_IP : underlayIp(side);
    }

    String veth(Side side) {
        if (nat()) {
            return "eth0";
        }
        return side == Side.A ? underlay.vethA : underlay.vethB;
    }

    @Override
    public void close() {
        if (underlay != null) {
            underlay.close();
            return;
        }
        for (NatGateway g : new NatGateway[] {gatewayA, gatewayB}) {
            g.host().close();
            g.gateway().close();
        }
        natSwitch.close();
    }

    /** One end of the rig. */
    enum Side {
        A, B;

        Side other() {
            return this == A ? B : A;
        }
    }
}
