package io.weft.benchmarks.harness;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A path through the rig that iperf3 and ping cross: which tunnel carries it and on which side the client runs.
 * Labels are ASCII so that the table prints in any terminal.
 */
enum BenchPath {
    VETH("veth", "veth", TunnelKind.VETH, Rig.Side.A, false),
    KERNEL("kernel-vxlan", "kernel VXLAN", TunnelKind.KERNEL_VXLAN, Rig.Side.A, false),
    KERNEL_OFFLOAD("kernel-vxlan-offload", "kernel+veth offload", TunnelKind.KERNEL_VXLAN_VETH_OFFLOAD, Rig.Side.A, true),
    WEFT_TO_KERNEL("weft-to-kernel", "weft->kernel", TunnelKind.WEFT_KERNEL, Rig.Side.A, true),
    KERNEL_TO_WEFT("kernel-to-weft", "kernel->weft", TunnelKind.WEFT_KERNEL, Rig.Side.B, true),
    WEFT_WEFT("weft-weft", "weft<->weft", TunnelKind.WEFT_WEFT, Rig.Side.A, true),
    /** flannel-v6.1 on both sides: the reference of the IPv6 paths (inner IPv6 over the IPv6 underlay). */
    KERNEL6("kernel-vxlan6", "kernel VXLAN6", TunnelKind.KERNEL_VXLAN6, Rig.Side.A, false),
    WEFT_TO_KERNEL6("weft-to-kernel6", "weft->kernel6", TunnelKind.WEFT_KERNEL6, Rig.Side.A, true),
    KERNEL_TO_WEFT6("kernel-to-weft6", "kernel->weft6", TunnelKind.WEFT_KERNEL6, Rig.Side.B, true),
    WEFT_WEFT6("weft-weft6", "weft<->weft6", TunnelKind.WEFT_WEFT6, Rig.Side.A, true),
    /** weft on both sides with every frame over the TCP fallback, as when a provider drops UDP between hosts. */
    WEFT_WEFT_TCP("weft-weft-tcp", "weft<->weft TCP", TunnelKind.WEFT_WEFT_TCP, Rig.Side.A, true),
    /** As {@link #WEFT_WEFT_TCP} with mutual TLS on the connection: what TLS costs. */
    WEFT_WEFT_TCP_TLS("weft-weft-tcp-tls", "weft<->weft TCP+TLS", TunnelKind.WEFT_WEFT_TCP_TLS, Rig.Side.A, true),
    OPENVPN("openvpn", "OpenVPN", TunnelKind.OPENVPN, Rig.Side.A, true),
    SOCAT("socat-tun", "socat TUN", TunnelKind.SOCAT, Rig.Side.A, true);

    /** Stable id for files and the {@code --paths} option. */
    final String id;
    final String label;
    final TunnelKind tunnel;
    /** Where the iperf3 client and ping run; the server is on the other side. */
    final Rig.Side client;
    /** Figures are also shown as a ratio to kernel VXLAN of the same family (the user-space tunnels). */
    final boolean comparedToKernel;

    BenchPath(String id, String label, TunnelKind tunnel, Rig.Side client, boolean comparedToKernel) {
        this.id = id;
        this.label = label;
        this.tunnel = tunnel;
        this.client = client;
        this.comparedToKernel = comparedToKernel;
    }

    boolean isWeft() {
        return tunnel == TunnelKind.WEFT_KERNEL || tunnel == TunnelKind.WEFT_WEFT || tunnel == TunnelKind.WEFT_WEFT_TCP
                || tunnel == TunnelKind.WEFT_WEFT_TCP_TLS || tunnel == TunnelKind.WEFT_KERNEL6
                || tunnel == TunnelKind.WEFT_WEFT6;
    }

    /** Inner IPv6 over the IPv6 underlay. */
    boolean ipv6() {
        return tunnel.ipv6;
    }

    /** The kernel VXLAN path this one's ratios are to: the IPv6 one for IPv6 paths. */
    BenchPath reference() {
        return ipv6() ? KERNEL6 : KERNEL;
    }

    static BenchPath byId(String id) {
        for (BenchPath p : values()) {
            if (p.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown path '" + id + "'; the paths are: " + ids(Arrays.asList(values())));
    }

    static String ids(List<BenchPath> paths) {
        return paths.stream().map(p -> p.id).collect(Collectors.joining(","));
    }
}
