package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/**
 * What IPv4 and IPv6 packets have in common, read without knowing the version in advance: the version
 * nibble, the L4 protocol, where the L4 header starts and how long the packet is.
 *
 * <p>IPv6 extension headers are not walked: the next header of the fixed header is taken as the L4
 * protocol, which is what pod traffic carries. A packet with extension headers simply has an
 * "unknown" protocol here (its flow hash falls back to addresses).
 */
public final class Ip {
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;

    private Ip() {
    }

    /** The version nibble of the first byte: 4, 6, or anything else for a packet that is neither. */
    public static int version(ByteBuf buf, int ipIndex) {
        return buf.getUnsignedByte(ipIndex) >>> 4;
    }

    /** The L4 protocol (IPv4 protocol, IPv6 next header). */
    public static int protocol(ByteBuf buf, int ipIndex) {
        return version(buf, ipIndex) == 4 ? Ipv4.protocol(buf, ipIndex) : Ipv6.nextHeader(buf, ipIndex);
    }

    /** Where the L4 header starts. */
    public static int l4Index(ByteBuf buf, int ipIndex) {
        return version(buf, ipIndex) == 4 ? ipIndex + Ipv4.headerLength(buf, ipIndex) : ipIndex + Ipv6.HEADER_LENGTH;
    }

    /** The L4 length the IP header claims (IPv4 total length - header length; IPv6 payload length). */
    public static int l4Length(ByteBuf buf, int ipIndex) {
        return version(buf, ipIndex) == 4
                ? Ipv4.totalLength(buf, ipIndex) - Ipv4.headerLength(buf, ipIndex)
                : Ipv6.payloadLength(buf, ipIndex);
    }

    /** The whole packet length the IP header claims (IPv4 total length; IPv6 40 + payload length). */
    public static int packetLength(ByteBuf buf, int ipIndex) {
        return version(buf, ipIndex) == 4
                ? Ipv4.totalLength(buf, ipIndex)
                : Ipv6.HEADER_LENGTH + Ipv6.payloadLength(buf, ipIndex);
    }

    /** The traffic class byte: IPv4 TOS (DSCP+ECN), IPv6 traffic class. */
    public static int trafficClass(ByteBuf buf, int ipIndex) {
        return version(buf, ipIndex) == 4 ? Ipv4.tos(buf, ipIndex) : Ipv6.trafficClass(buf, ipIndex);
    }
}
