package io.weft.fdb.registry;

import io.weft.fdb.Subnet;

/**
 * The subnets named by a lease key's last path element: {@code 10.244.1.0-24}, or the dual-stack form
 * {@code 10.244.1.0-24&fd00:0:0:1::-64}.
 *
 * @param v4 the IPv4 subnet (etcd mode always has one)
 * @param v6 the IPv6 subnet of a dual-stack key, or null
 */
public record SubnetKey(Subnet v4, Subnet v6) {
    public SubnetKey {
        if (v4 == null || v4.isIpv6()) {
            throw new IllegalArgumentException("a lease key needs an IPv4 subnet, got " + v4);
        }
        if (v6 != null && !v6.isIpv6()) {
            throw new IllegalArgumentException("the second subnet of a lease key must be IPv6, got " + v6);
        }
    }

    /** The subnets {@code lease}'s key names. */
    public static SubnetKey of(io.weft.fdb.Lease lease) {
        return new SubnetKey(lease.subnet(), lease.ipv6Subnet());
    }

    /**
     * True if {@code lease} holds one of these subnets: its IPv4 subnet, or its IPv6 one. The {@code 0.0.0.0/0}
     * every lease of an IPv6-only network carries is no subnet, so there only the IPv6 subnet tells leases apart.
     */
    public boolean sharesSubnetWith(io.weft.fdb.Lease lease) {
        return (hasIpv4() && v4.equals(lease.subnet())) || (v6 != null && v6.equals(lease.ipv6Subnet()));
    }

    /** False for the {@code 0.0.0.0-0} IPv4 part of an IPv6-only network's key. */
    public boolean hasIpv4() {
        return v4.prefixLength() != 0 || v4.v4Address() != 0;
    }

    /** The key's last path element, with the IPv6 part written as Go writes it. */
    public String text() {
        return v6 == null ? v4.keyForm() : v4.keyForm() + "&" + v6.keyForm();
    }

    @Override
    public String toString() {
        return text();
    }
}
