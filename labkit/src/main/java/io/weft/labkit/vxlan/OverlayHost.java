package io.weft.labkit.vxlan;

/**
 * One overlay host of a lab as its flannel lease describes it: underlay address, lease subnet and VtepMAC.
 *
 * @param underlayIp the PublicIP, e.g. {@code 10.99.0.1}
 * @param subnet     the lease subnet, e.g. {@code 10.244.1.0/24}
 * @param mac        the VtepMAC, e.g. {@code 0e:2a:00:00:00:01}
 */
public record OverlayHost(String underlayIp, String subnet, String mac) {
    /** The VTEP address {@code <subnet>.0}, the host's own overlay address. */
    public String vtepIp() {
        return subnet.substring(0, subnet.indexOf('/'));
    }

    /** The argument form the static data plane takes for {@code --peer}: {@code subnet,ip,mac}. */
    public String peerArg() {
        return subnet + "," + underlayIp + "," + mac;
    }
}
