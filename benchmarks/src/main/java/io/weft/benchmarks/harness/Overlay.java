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

    /** The overlay host on {@code side}; its VTEP address {@code <subnet>.0} is the target of the bench traffic. */
    static OverlayHost host(Rig.Side side) {
        int n = side == Rig.Side.A ? 1 : 2;
        return new OverlayHost(side == Rig.Side.A ? Rig.IP_A : Rig.IP_B, "10.244." + n + ".0/24", "0e:2a:00:00:00:0" + n);
    }
}
