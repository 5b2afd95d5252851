package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/**
 * The Internet checksum (RFC 1071): the ones-complement of the ones-complement sum of 16-bit words.
 *
 * <p>Sums are carried in a {@code long} accumulator that is folded only at the end. Because
 * 2^16 is 1 modulo 0xFFFF, adding 32-bit big-endian words (two 16-bit words each) gives the same
 * folded result as adding the 16-bit words one by one, so {@link #add} reads 8 bytes per step.
 * The accumulator cannot overflow below 2^30 steps (8 GiB), far beyond any packet.
 */
public final class Checksum {
    private Checksum() {
    }

    /** Adds the bytes {@code [index, index + length)} of {@code buf} as big-endian 16-bit words to {@code acc};
     * an odd last byte counts as the high byte of a word whose low byte is zero. */
    public static long add(long acc, ByteBuf buf, int index, int length) {
        int i = index;
        int end = index + length;
        for (; i + 8 <= end; i += 8) {
            long w = buf.getLong(i);
            acc += (w >>> 32) + (w & 0xFFFF_FFFFL);
        }
        if (i + 4 <= end) {
            acc += buf.getUnsignedInt(i);
            i += 4;
        }
        if (i + 2 <= end) {
            acc += buf.getUnsignedShort(i);
            i += 2;
        }
        if (i < end) {
            acc += buf.getUnsignedByte(i) << 8;
        }
        return acc;
    }

    /** Folds an accumulator to its 16-bit ones-complement sum (never more than 0xFFFF). */
    public static int fold(long acc) {
        long a = (acc & 0xFFFF_FFFFL) + (acc >>> 32);
        a = (a & 0xFFFF_FFFFL) + (a >>> 32);
        a = (a & 0xFFFF) + (a >>> 16);
        a = (a & 0xFFFF) + (a >>> 16);
        a = (a & 0xFFFF) + (a >>> 16);
        return (int) a;
    }

    /** The checksum field value for an accumulator: the complement of the folded sum. */
    public static int finish(long acc) {
        return ~fold(acc) & 0xFFFF;
    }

    /** The checksum over {@code [index, index + length)} alone. */
    public static int of(ByteBuf buf, int index, int length) {
        return finish(add(0, buf, index, length));
    }

    /** The IPv4 pseudo-header sum (RFC 768/793): addresses, zero, protocol, L4 length. */
    public static long pseudoHeaderV4(int src, int dst, int protocol, int l4Length) {
        return (src & 0xFFFF_FFFFL) + (dst & 0xFFFF_FFFFL) + protocol + l4Length;
    }

    /** The IPv6 pseudo-header sum (RFC 8200 §8.1): addresses, 32-bit upper-layer length, next header. */
    public static long pseudoHeaderV6(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, int l4Length) {
        return (srcHi >>> 32) + (srcHi & 0xFFFF_FFFFL) + (srcLo >>> 32) + (srcLo & 0xFFFF_FFFFL)
                + (dstHi >>> 32) + (dstHi & 0xFFFF_FFFFL) + (dstLo >>> 32) + (dstLo & 0xFFFF_FFFFL)
                + (l4Length & 0xFFFF_FFFFL) + nextHeader;
    }

    /** The pseudo-header sum of the IPv4 or IPv6 packet at {@code ipIndex}, for its own L4 protocol and length. */
    public static long pseudoHeader(ByteBuf buf, int ipIndex) {
        if (Ip.version(buf, ipIndex) == 4) {
            return pseudoHeaderV4(Ipv4.src(buf, ipIndex), Ipv4.dst(buf, ipIndex), Ipv4.protocol(buf, ipIndex),
                    Ip.l4Length(buf, ipIndex));
        }
        return pseudoHeaderV6(Ipv6.srcHi(buf, ipIndex), Ipv6.srcLo(buf, ipIndex), Ipv6.dstHi(buf, ipIndex),
                Ipv6.dstLo(buf, ipIndex), Ipv6.nextHeader(buf, ipIndex), Ip.l4Length(buf, ipIndex));
    }

    /**
     * True if the packet at {@code ipIndex} is TCP, UDP, ICMP or ICMPv6 (no IPv6 extension headers) and its
     * L4 checksum is correct. A zero UDP checksum over IPv4 means "none" (RFC 768) and is accepted; over IPv6
     * it is invalid (RFC 8200), as Linux treats it without {@code udp6zerocsumrx}.
     */
    public static boolean verifyL4(ByteBuf buf, int ipIndex) {
        int offset = l4ChecksumOffset(buf, ipIndex);
        if (offset < 0) {
            return false;
        }
        int l4 = Ip.l4Index(buf, ipIndex);
        int protocol = Ip.protocol(buf, ipIndex);
        if (protocol == Ip.PROTO_UDP && buf.getUnsignedShort(l4 + offset) == 0) {
            return Ip.version(buf, ipIndex) == 4;
        }
        long acc = add(0, buf, l4, Ip.l4Length(buf, ipIndex));
        if (protocol != Ip.PROTO_ICMP) {
            acc += pseudoHeader(buf, ipIndex);
        }
        return fold(acc) == 0xFFFF;
    }

    /**
     * Computes and writes the L4 checksum of the TCP, UDP, ICMP or ICMPv6 packet at {@code ipIndex}; returns
     * the value written, or -1 (writing nothing) for another protocol. A UDP checksum that computes to zero
     * is sent as 0xFFFF, since zero means "none".
     */
    public static int fillL4(ByteBuf buf, int ipIndex) {
        int offset = l4ChecksumOffset(buf, ipIndex);
        if (offset < 0) {
            return -1;
        }
        int l4 = Ip.l4Index(buf, ipIndex);
        int protocol = Ip.protocol(buf, ipIndex);
        buf.setShort(l4 + offset, 0);
        long acc = add(0, buf, l4, Ip.l4Length(buf, ipIndex));
        if (protocol != Ip.PROTO_ICMP) {
            acc += pseudoHeader(buf, ipIndex);
        }
        int sum = finish(acc);
        if (sum == 0 && protocol == Ip.PROTO_UDP) {
            sum = 0xFFFF;
        }
        buf.setShort(l4 + offset, sum);
        return sum;
    }

    /** Where the checksum sits inside the L4 header of the packet at {@code ipIndex}, or -1 if we do not know. */
    private static int l4ChecksumOffset(ByteBuf buf, int ipIndex) {
        int version = Ip.version(buf, ipIndex);
        int protocol = Ip.protocol(buf, ipIndex);
        switch (protocol) {
            case Ip.PROTO_TCP:
                return Tcp.CHECKSUM_OFFSET;
            case Ip.PROTO_UDP:
                return Udp.CHECKSUM_OFFSET;
            case Ip.PROTO_ICMP:
                return version == 4 ? Icmp.CHECKSUM_OFFSET : -1;
            case Ip.PROTO_ICMPV6:
                return version == 6 ? Icmpv6.CHECKSUM_OFFSET : -1;
            default:
                return -1;
        }
    }
}
