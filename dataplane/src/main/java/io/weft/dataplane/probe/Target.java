package io.weft.dataplane.probe;

import io.weft.fdb.Subnet;
import io.weft.fdb.path.PeerPath;
import io.weft.vtep.Ipv4;

/**
 * A peer to probe: its lease subnet (whose first address {@code <subnet>.0} is its VTEP address) and where its
 * packets go, for the messages; and, for a weft peer with more than one way to reach it, its {@link PeerPath}, whose
 * candidates are probed one by one and whose choice the prober makes (null: a plain flannel peer).
 *
 * <p>An IPv6 target is the IPv6 half of a peer's lease: its IPv6 subnet (VTEP {@code <IPv6 subnet>::}, the /128 on
 * flanneld's {@code flannel-v6.<VNI>}) and its PublicIPv6, where the probes go over the IPv6 underlay as the peer's
 * IPv6 traffic does. It has no path choice (weft's candidate paths are IPv4 ones).
 */
public record Target(Subnet subnet, String publicIp, int port, PeerPath path) {
    public Target(Subnet subnet, String publicIp, int port) {
        this(subnet, publicIp, port, null);
    }

    /** The IPv4 VTEP address (an IPv4 target only). */
    public int vtepAddress() {
        return subnet.v4Address();
    }

    /** True for the IPv6 half of a peer's lease. */
    public boolean ipv6() {
        return subnet.isIpv6();
    }

    /** The VTEP address as text: {@code 10.244.2.0} or {@code fd44:0:0:2::}. */
    public String vtepText() {
        return ipv6() ? subnet.addressText() : Ipv4.format(vtepAddress());
    }

    /** The VTEP address as the prober's key: IPv4 and IPv6 targets of one peer are two keys. */
    VtepKey key() {
        return ipv6() ? new VtepKey(true, subnet.v6High(), subnet.v6Low()) : new VtepKey(false, 0, vtepAddress());
    }

    /** A VTEP address of either family (IPv4: {@code lo} holds it as an int). */
    record VtepKey(boolean ipv6, long hi, long lo) {
    }
}
