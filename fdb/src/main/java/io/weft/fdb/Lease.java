package io.weft.fdb;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.time.Instant;

/**
 * One node's subnet lease, as flannel stores it at {@code <prefix>/subnets/<key>}.
 *
 * @param subnet         the IPv4 subnet (etcd mode always has one)
 * @param publicIp       {@code PublicIP}: where peers send this node's VXLAN packets
 * @param ipv6Subnet     the IPv6 subnet of a dual-stack lease, or null
 * @param publicIpv6     {@code PublicIPv6}, or null
 * @param backendType    {@code BackendType}, "vxlan" for leases weft forwards to
 * @param backendData    {@code BackendData}, or null when absent (non-vxlan leases)
 * @param backendV6Data  {@code BackendV6Data}, or null
 * @param expiry         when the etcd lease behind the key runs out, or null if unknown
 */
public record Lease(
        Subnet subnet,
        Inet4Address publicIp,
        Subnet ipv6Subnet,
        Inet6Address publicIpv6,
        String backendType,
        BackendData backendData,
        BackendData backendV6Data,
        Instant expiry) {

    public static final String VXLAN = "vxlan";

    /** A vxlan lease with backend data for at least one family (an IPv6-only lease has only BackendV6Data). */
    public boolean isVxlan() {
        return VXLAN.equals(backendType) && (backendData != null || backendV6Data != null);
    }

    /** The etcd key suffix: {@code 10.244.1.0-24} or {@code 10.244.1.0-24&fd00:0:0:1::-64}. */
    public String key() {
        return ipv6Subnet == null ? subnet.keyForm() : subnet.keyForm() + "&" + ipv6Subnet.keyForm();
    }

    public Lease withExpiry(Instant newExpiry) {
        return new Lease(subnet, publicIp, ipv6Subnet, publicIpv6, backendType, backendData, backendV6Data, newExpiry);
    }

    /** True when what peers act on (addresses, type, MACs) is the same; expiry is ignored. */
    public boolean sameAttributes(Lease o) {
        return o != null && subnet.equals(o.subnet) && publicIp.equals(o.publicIp)
                && java.util.Objects.equals(ipv6Subnet, o.ipv6Subnet)
                && java.util.Objects.equals(publicIpv6, o.publicIpv6)
                && java.util.Objects.equals(backendType, o.backendType)
                && java.util.Objects.equals(backendData, o.backendData)
                && java.util.Objects.equals(backendV6Data, o.backendV6Data);
    }
}
