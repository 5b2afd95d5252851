package io.weft.benchmarks.harness;

/**
 * One end of a VXLAN overlay on the rig, as flannel would lease it: subnet {@code 10.244.<n>.0/24} in Network
 * 10.244.0.0/16, VNI 1, UDP port 8472, VtepMAC {@code 0e:2a:00:00:00:0<n>}, device MTU 1450 (veth 1500 − 50).
 */
record OverlayHost(Rig.Side side, String underlayIp, String subnet, String mac) {
    static final String NETWORK = "10.244.0.0/16";
    static final int VNI = 1;
    static final int PORT = 8472;
    static final int MTU = Rig.MTU - 50;

    static OverlayHost of(Rig.Side side) {
        int n = side == Rig.Side.A ? 1 : 2;
        return new OverlayHost(side, side == Rig.Side.A ? Rig.IP_A : Rig.IP_B, "10.244." + n + ".0/24", "0e:2a:00:00:00:0" + n);
    }

    /** {@code <subnet>.0}: the VTEP address, the host's own overlay address and the target of the bench traffic. */
    String vtepIp() {
        return subnet.substring(0, subnet.indexOf('/'));
    }

    /** The form weft's lab runner takes for {@code --peer}. */
    String peerArg() {
        return subnet + "," + underlayIp + "," + mac;
    }
}
