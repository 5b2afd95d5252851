package io.weft.dataplane.doctor;

import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;

import java.net.InetAddress;

/**
 * How {@code weft doctor} tells our own lease from the others: by the PublicIP this host advertises, or, on an
 * IPv6-only network, where every lease carries flannel's placeholder PublicIP {@code 0.0.0.0}, by the PublicIPv6.
 *
 * @param ipv6    whether {@code address} is the PublicIPv6
 * @param address the address, in Go's compressed form when it parses (so that {@code fd98:0::2} finds
 *                {@code fd98::2})
 */
record LeaseOwner(boolean ipv6, String address) {

    /** By PublicIP; null when it is unknown. */
    static LeaseOwner byPublicIp(String publicIp) {
        return of(false, publicIp);
    }

    /** By PublicIPv6; null when it is unknown. */
    static LeaseOwner byPublicIpv6(String publicIpv6) {
        return of(true, publicIpv6);
    }

    private static LeaseOwner of(boolean ipv6, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.trim();
        try {
            return new LeaseOwner(ipv6, Subnet.formatAddress(Subnet.parseAddress(t)));
        } catch (IllegalArgumentException e) {
            return new LeaseOwner(ipv6, t); // holds no lease; the message still names what was given
        }
    }

    /** Whether {@code l} carries our address. */
    boolean holds(Lease l) {
        InetAddress a = ipv6 ? l.publicIpv6() : l.publicIp();
        return a != null && Subnet.formatAddress(a).equals(address);
    }

    /** {@code PublicIP 10.0.0.1} or {@code PublicIPv6 fd98::2}, for messages. */
    String describe() {
        return (ipv6 ? "PublicIPv6 " : "PublicIP ") + address;
    }
}
