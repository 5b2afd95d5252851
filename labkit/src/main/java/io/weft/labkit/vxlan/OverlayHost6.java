package io.weft.labkit.vxlan;

/**
 * The IPv6 half of an overlay host's flannel lease: {@code PublicIPv6}, {@code IPv6Subnet} and the VtepMAC of
 * {@code BackendV6Data} (flanneld's {@code flannel-v6.<VNI>} device has a MAC of its own).
 *
 * @param underlayIp the PublicIPv6, e.g. {@code fd77:9::1}
 * @param subnet     the IPv6 lease subnet, e.g. {@code fd44:0:0:1::/64}
 * @param mac        the IPv6 VtepMAC, e.g. {@code 0e:2a:00:00:06:01}
 */
public record OverlayHost6(String underlayIp, String subnet, String mac) {
    /** The IPv6 VTEP address {@code <subnet>::} (the /128 flanneld puts on flannel-v6.<VNI>). */
    public String vtepIp() {
        return subnet.substring(0, subnet.indexOf('/'));
    }

    /** The IPv6 part of the static data plane's {@code --peer} argument: {@code subnet6,ip6,mac6}. */
    public String peerArg() {
        return subnet + "," + underlayIp + "," + mac;
    }
}
