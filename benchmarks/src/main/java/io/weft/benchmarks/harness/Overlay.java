package io.weft.benchmarks.harness;

import io.weft.labkit.vxlan.OverlayHost;

/**
 * The VXLAN overlay on the rig, as flannel would lease it: subnet {@code 10.244.<n>.0/24} in Network 10.244.0.0/16,
 * VNI 1, UDP port 8472, VtepMAC {@code 0e:2a:00:00:00:0<n>}, device MTU 1450 (veth 1500 − 50).
 */
final class Overlay {
    static final String NETWORK = "10.244.0.0/16";
    static final int VNI = 1;
    static final int PORT = 8472;
    static final int MTU = Rig.MTU - 50;

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

    private static OverlayHost host(String underlayIp, Rig.Side side) {
        int n = side == Rig.Side.A ? 1 : 2;
        return new OverlayHost(underlayIp, "10.244." + n + ".0/24", "0e:2a:00:00:00:0" + n);
    }
}
