package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/**
 * IPv6 neighbour discovery (RFC 4861) for a VTEP: recognise a Neighbour Solicitation for our address in an inner
 * Ethernet frame, and write the Neighbour Advertisement Linux sends in answer, the IPv6 counterpart of
 * {@link VxlanDecap#isArpRequestFor} and {@link VxlanDecap#writeArpReply}. Like ARP between flannel peers, a
 * solicitation should never come (peers are programmed with our VtepMAC from the lease); it is answered for tools
 * and for peers that do resolve.
 *
 * <p>The advertisement is byte for byte what a Linux host with forwarding enabled sends: router, solicited and
 * override flags, hop limit 255, traffic class and flow label 0, the target link-layer address option. A
 * solicitation from the unspecified address (duplicate address detection) is answered to all-nodes without the
 * solicited flag, as §7.2.4 says.
 */
public final class Ndp {
    /** ICMPv6 NA: type, code, checksum, flags(4), target(16), target link-layer option(8). */
    public static final int ADVERTISEMENT_LENGTH = 32;
    /** Ethernet + IPv6 + NA: what {@link #writeAdvertisement} writes. */
    public static final int ADVERTISEMENT_FRAME_LENGTH = Ethernet.HEADER_LENGTH + Ipv6.HEADER_LENGTH + ADVERTISEMENT_LENGTH;
    /** ICMPv6 NS without options: type, code, checksum, reserved(4), target(16). */
    private static final int SOLICITATION_LENGTH = 24;
    private static final int TARGET_OFFSET = 8;
    private static final int OPTION_SOURCE_LINK_LAYER = 1;
    private static final int OPTION_TARGET_LINK_LAYER = 2;
    private static final int FLAG_ROUTER = 0x8000_0000;
    private static final int FLAG_SOLICITED = 0x4000_0000;
    private static final int FLAG_OVERRIDE = 0x2000_0000;
    /** The hop limit every ND message carries; anything else has crossed a router and is invalid (§7.1.1). */
    private static final int ND_HOP_LIMIT = 255;
    /** ff02::1, all nodes. */
    private static final long ALL_NODES_HI = 0xff02_0000_0000_0000L;
    private static final long ALL_NODES_LO = 1L;
    /** 33:33:00:00:00:01, the Ethernet address of ff02::1 (RFC 2464 §7). */
    private static final long ALL_NODES_MAC = 0x3333_0000_0001L;

    private Ndp() {
    }

    /**
     * True if the {@code length}-byte Ethernet frame at {@code ethIndex} is a valid Neighbour Solicitation
     * (RFC 4861 §7.1.1: hop limit 255, code 0, correct checksum, options of non-zero length, no source link-layer
     * option when sent from ::) asking for the address {@code targetHi:targetLo}. IPv6 extension headers are not
     * followed: an NS never carries any.
     */
    public static boolean isSolicitationFor(ByteBuf buf, int ethIndex, int length, long targetHi, long targetLo) {
        int ip = ethIndex + Ethernet.HEADER_LENGTH;
        if (length < Ethernet.HEADER_LENGTH + Ipv6.HEADER_LENGTH + SOLICITATION_LENGTH
                || Ethernet.etherType(buf, ethIndex) != Ethernet.TYPE_IPV6 || Ipv6.version(buf, ip) != 6
                || Ipv6.nextHeader(buf, ip) != Ip.PROTO_ICMPV6 || Ipv6.hopLimit(buf, ip) != ND_HOP_LIMIT) {
            return false;
        }
        int icmpLength = Ipv6.payloadLength(buf, ip);
        int icmp = ip + Ipv6.HEADER_LENGTH;
        if (icmpLength < SOLICITATION_LENGTH || icmpLength > length - Ethernet.HEADER_LENGTH - Ipv6.HEADER_LENGTH
                || buf.getUnsignedByte(icmp) != Icmpv6.TYPE_NEIGHBOR_SOLICITATION || buf.getUnsignedByte(icmp + 1) != 0
                || buf.getLong(icmp + TARGET_OFFSET) != targetHi || buf.getLong(icmp + TARGET_OFFSET + 8) != targetLo
                || !Checksum.verifyL4(buf, ip)) {
            return false;
        }
        int options = sourceLinkLayerOption(buf, icmp, icmpLength);
        if (options == OPTIONS_MALFORMED) {
            return false;
        }
        return !(fromUnspecified(buf, ip) && options >= 0);
    }

    /**
     * Writes, at {@code index} of {@code out}, the Ethernet frame answering the solicitation at {@code nsEthIndex}
     * of {@code ns} (which {@link #isSolicitationFor} accepted): from our VtepMAC and the solicited address, to the
     * solicitation's source link-layer address (or its Ethernet source) and IPv6 source. Send it with
     * {@link VxlanEncap#encapsulateFrame} in front. Returns {@link #ADVERTISEMENT_FRAME_LENGTH}.
     */
    public static int writeAdvertisement(ByteBuf out, int index, ByteBuf ns, int nsEthIndex, long ourMac) {
        int nsIp = nsEthIndex + Ethernet.HEADER_LENGTH;
        int nsIcmp = nsIp + Ipv6.HEADER_LENGTH;
        long targetHi = ns.getLong(nsIcmp + TARGET_OFFSET);
        long targetLo = ns.getLong(nsIcmp + TARGET_OFFSET + 8);
        boolean dad = fromUnspecified(ns, nsIp);
        long dstHi = dad ? ALL_NODES_HI : Ipv6.srcHi(ns, nsIp);
        long dstLo = dad ? ALL_NODES_LO : Ipv6.srcLo(ns, nsIp);
        long dstMac;
        if (dad) {
            dstMac = ALL_NODES_MAC;
        } else {
            int option = sourceLinkLayerOption(ns, nsIcmp, Ipv6.payloadLength(ns, nsIp));
            dstMac = option >= 0 ? MacAddress.readBits(ns, nsIcmp + option + 2) : Ethernet.srcMac(ns, nsEthIndex);
        }
        Ethernet.write(out, index, dstMac, ourMac, Ethernet.TYPE_IPV6);
        int ip = index + Ethernet.HEADER_LENGTH;
        Ipv6.write(out, ip, 0, 0, ADVERTISEMENT_LENGTH, Ip.PROTO_ICMPV6, ND_HOP_LIMIT, targetHi, targetLo, dstHi, dstLo);
        int icmp = ip + Ipv6.HEADER_LENGTH;
        out.setByte(icmp, Icmpv6.TYPE_NEIGHBOR_ADVERTISEMENT);
        out.setByte(icmp + 1, 0);
        out.setShort(icmp + 2, 0);
        out.setInt(icmp + 4, FLAG_ROUTER | (dad ? 0 : FLAG_SOLICITED) | FLAG_OVERRIDE);
        out.setLong(icmp + TARGET_OFFSET, targetHi);
        out.setLong(icmp + TARGET_OFFSET + 8, targetLo);
        out.setByte(icmp + 24, OPTION_TARGET_LINK_LAYER);
        out.setByte(icmp + 25, 1);
        MacAddress.writeBits(out, icmp + 26, ourMac);
        Checksum.fillL4(out, ip);
        return ADVERTISEMENT_FRAME_LENGTH;
    }

    private static final int OPTIONS_MALFORMED = -2;

    /**
     * Offset from the ICMPv6 header of the source link-layer address option, -1 if there is none, or
     * {@link #OPTIONS_MALFORMED} if an option has length zero or runs past the message.
     */
    private static int sourceLinkLayerOption(ByteBuf buf, int icmp, int icmpLength) {
        int found = -1;
        for (int at = SOLICITATION_LENGTH; at < icmpLength; ) {
            if (at + 2 > icmpLength) {
                return OPTIONS_MALFORMED;
            }
            int units = buf.getUnsignedByte(icmp + at + 1);
            if (units == 0 || at + units * 8 > icmpLength) {
                return OPTIONS_MALFORMED;
            }
            if (buf.getUnsignedByte(icmp + at) == OPTION_SOURCE_LINK_LAYER && units == 1 && found < 0) {
                found = at;
            }
            at += units * 8;
        }
        return found;
    }

    private static boolean fromUnspecified(ByteBuf buf, int ip) {
        return Ipv6.srcHi(buf, ip) == 0 && Ipv6.srcLo(buf, ip) == 0;
    }
}
