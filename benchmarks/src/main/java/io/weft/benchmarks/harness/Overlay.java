package io.weft.benchmarks.harness;

import io.weft.labkit.vxlan.OverlayHost;
import io.weft.labkit.vxlan.OverlayHost6;

/**
 * The VXLAN overlay on the rig, as flannel would lease it: subnet {@code 10.244.<n>.0/24} in Network 10.244.0.0/16,
 * VNI 1, UDP port 8472, VtepMAC {@code 0e:2a:00:00:00:0<n>}, device MTU 1450 (veth 1500 − 50). The IPv6 paths use
 * the IPv6 half of a flannel lease as an IPv6-only cluster ({@code EnableIPv4: false}) has it: IPv6Subnet
 * {@code fd44:0:0:<n>::/64} in IPv6Network fd44::/48, PublicIPv6 on the veth, the v6 VtepMAC
 * {@code 0e:2a:00:00:06:0<n>}, route MTU 1430 (veth 1500 − 70, as flanneld sizes {@code flannel-v6.<VNI>}).
 */
final class Overlay {
    static final String NETWORK = "10.244.0.0/16";
    static final int VNI = 1;
    static final int PORT = 8472;
    static final int MTU = Rig.MTU - 50;
    static final String NETWORK6 = "fd44::/48";
    static final int MTU6 = Rig.MTU - 70;

    private Overlay() {
    }

    /**
     * The overlay host on {@code side} as its peers know it (at the address they reach it on: behind NAT, its
     * public one); its VTEP address {@code <subnet>.0} is the target of the bench traffic.
     */
    static OverlayHost host(Rig rig, Rig.Side side) {
        return host(rig.underlayIp(side), side);
    }

    /** The overlay host on {@code side} as it knows itself: at the address of its own interface. */
    static OverlayHost self(Rig rig, Rig.Side side) {
        return host(rig.localIp(side), side);
    }

    /** The VTEP address of {@code side}, the same on every rig. */
    static String vtepIp(Rig.Side side) {
        return host("0.0.0.0", side).vtepIp();
    }

    /** The IPv6 half of {@code side}'s lease (the plain rig has no NAT: the same for itself and its peer). */
    static OverlayHost6 host6(Rig rig, Rig.Side side) {
        return host6(rig.underlayIp6(side), side);
    }

    /** The IPv6 VTEP address of {@code side}, {@code fd44:0:0:<n>::}. */
    static String vtepIp6(Rig.Side side) {
        return host6("::", side).vtepIp();
    }

    private static OverlayHost6 host6(String underlayIp6, Rig.Side side) {
        int n = side == Rig.Side.A ? 1 : 2;
        return new OverlayHost6(underlayIp6, "fd44:0:0:" + n + "::/64", "0e:2a:00:00:06:0" + n);
    }

    private static OverlayHost host(String underlayIp, Rig.Side side) {
        int n = side == Rig.Side.A ? 1 : 2;
        return new OverlayHost(underlayIp, "10.244." + n + ".0/24", "0e:2a:00:00:00:0" + n);
    }
}
