package io.weft.fdb.registry;

import io.weft.fdb.BackendData;
import io.weft.fdb.Subnet;

import java.net.Inet4Address;
import java.net.Inet6Address;

/**
 * What this node publishes, and what it held before.
 *
 * @param publicIp           this node's {@code PublicIP} (also how a lease from an earlier run is recognised)
 * @param publicIpv6         {@code PublicIPv6} when IPv6 is enabled, else null
 * @param backendData        {@code BackendData}: our VNI and VtepMAC
 * @param backendV6Data      {@code BackendV6Data} when IPv6 is enabled, else null
 * @param previousSubnet     {@code FLANNEL_SUBNET} from the last subnet.env, or null
 * @param previousIpv6Subnet {@code FLANNEL_IPV6_SUBNET} from the last subnet.env, or null
 */
public record AcquireRequest(Inet4Address publicIp, Inet6Address publicIpv6, BackendData backendData,
                             BackendData backendV6Data, Subnet previousSubnet, Subnet previousIpv6Subnet) {
    public AcquireRequest {
        if (publicIp == null) {
            throw new IllegalArgumentException("publicIp is required (use 0.0.0.0 for an IPv6-only network)");
        }
        if (backendData == null && backendV6Data == null) {
            throw new IllegalArgumentException("backendData (VNI and VtepMAC) is required");
        }
    }

    /** The same request without the previous subnets (used after the previous ones were lost to another node). */
    public AcquireRequest withoutPrevious() {
        return new AcquireRequest(publicIp, publicIpv6, backendData, backendV6Data, null, null);
    }
}
