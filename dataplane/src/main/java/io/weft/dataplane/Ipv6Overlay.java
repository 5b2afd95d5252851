package io.weft.dataplane;

import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;

import java.net.Inet6Address;

/**
 * The IPv6 half of a dual-stack (or IPv6-only) data plane: what flanneld puts on its {@code flannel-v6.<VNI>} device.
 *
 * <p>weft carries both families on ONE TUN device: an L3 TUN sees the IP version in the first nibble of every packet,
 * so nothing needs a second device. flanneld needs two only because a kernel VXLAN device has one underlay family
 * ({@code local} is either an IPv4 or an IPv6 address). What does differ per family is kept here: the overlay's own
 * VtepMAC (peers program it from {@code BackendV6Data}), the underlay socket (AF_INET6, bound to the PublicIPv6, the
 * {@code local} of {@code flannel-v6.<VNI>}), and the MTU of the IPv6 route through the TUN, 20 bytes smaller than the
 * IPv4 one because the outer IPv6 header is 20 bytes longer (underlay MTU − 70 instead of − 50). VNI and UDP port are
 * the IPv4 half's, as flanneld gives both devices the same.
 *
 * @param localSubnet this host's IPv6 lease subnet ({@code FLANNEL_IPV6_SUBNET}'s network); its first address
 *                    ({@code <subnet>::}, the {@code /128} flanneld puts on {@code flannel-v6.<VNI>}) is our IPv6 VTEP
 *                    address; decapsulated IPv6 packets must be addressed into it
 * @param network     the config's {@code IPv6Network}; {@code localSubnet} lies in it
 * @param vtepMac     our IPv6 VtepMAC, as published in {@code BackendV6Data}: source MAC of the IPv6 frames we send,
 *                    the destination MAC required on the IPv6 frames we take (it may equal the IPv4 one)
 * @param bindAddress the PublicIPv6 the AF_INET6 sockets bind to and send from, or null for any ({@code ::}); peers
 *                    that check the sender (weft does) know us by our PublicIPv6, so the agent passes it
 * @param mtu         the MTU of the IPv6 route through the TUN: the IPv6 underlay's MTU − 70 ({@link #OVERHEAD})
 */
public record Ipv6Overlay(Subnet localSubnet, Subnet network, MacAddress vtepMac, Inet6Address bindAddress, int mtu) {
    /** Outer IPv6 (40) + UDP (8) + VXLAN (8) + inner Ethernet (14): what each packet costs on an IPv6 underlay. */
    public static final int OVERHEAD = 70;
    /** The smallest MTU an IPv6 link may have (RFC 8200 §5). */
    public static final int MIN_MTU = 1280;

    public Ipv6Overlay {
        if (localSubnet == null || !localSubnet.isIpv6() || network == null || !network.isIpv6()
                || !network.contains(localSubnet)) {
            throw new IllegalArgumentException("IPv6 local subnet " + localSubnet + " must be an IPv6 subnet inside the"
                    + " IPv6Network " + network);
        }
        if (vtepMac == null || !vtepMac.isUnicast() || vtepMac.equals(MacAddress.ZERO)) {
            throw new IllegalArgumentException("the IPv6 VtepMAC must be a unicast address, got " + vtepMac);
        }
        if (mtu < MIN_MTU || mtu > 65535 - OVERHEAD) {
            throw new IllegalArgumentException("IPv6 MTU " + mtu + " out of range " + MIN_MTU + ".." + (65535 - OVERHEAD)
                    + " (the IPv6 underlay's MTU − " + OVERHEAD + "; IPv6 needs at least " + MIN_MTU + ")");
        }
    }

    /** The route MTU for an IPv6 underlay of MTU {@code underlayMtu}: {@code underlayMtu − }{@value #OVERHEAD}. */
    public static int mtuFor(int underlayMtu) {
        return underlayMtu - OVERHEAD;
    }

    /** High 64 bits of our IPv6 VTEP address, {@code <local subnet>::}. */
    public long vtepAddressHi() {
        return localSubnet.v6High();
    }

    /** Low 64 bits of our IPv6 VTEP address. */
    public long vtepAddressLo() {
        return localSubnet.v6Low();
    }
}
