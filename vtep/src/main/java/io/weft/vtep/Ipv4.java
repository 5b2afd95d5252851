package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/** The IPv4 header (RFC 791) at an index; addresses are ints in network order (10.0.0.1 = 0x0A000001). */
public final class Ipv4 {
    public static final int MIN_HEADER_LENGTH = 20;
    /** The flags+fragment-offset bit for "don't fragment". */
    public static final int FLAG_DF = 0x4000;
    /** The flags+fragment-offset bit for "more fragments". */
    public static final int FLAG_MF = 0x2000;
    private static final int OFFSET_MASK = 0x1FFF;
    public static final int CHECKSUM_OFFSET = 10;

    private Ipv4() {
    }

    public static int version(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index) >>> 4;
    }

    /** IHL * 4, in bytes. */
    public static int headerLength(ByteBuf buf, int index) {
        return (buf.getUnsignedByte(index) & 0x0F) << 2;
    }

    public static int tos(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + 1);
    }

    public static int totalLength(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 2);
    }

    public static int id(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 4);
    }

    /** Flags (3 bits) and fragment offset (13 bits) as one 16-bit field. */
    public static int flagsAndFragmentOffset(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 6);
    }

    public static boolean dontFragment(ByteBuf buf, int index) {
        return (flagsAndFragmentOffset(buf, index) & FLAG_DF) != 0;
    }

    /** True for any fragment, first or later (MF set or a non-zero offset). */
    public static boolean isFragment(ByteBuf buf, int index) {
        return (flagsAndFragmentOffset(buf, index) & (FLAG_MF | OFFSET_MASK)) != 0;
    }

    public static int ttl(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + 8);
    }

    public static int protocol(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + 9);
    }

    public static int headerChecksum(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + CHECKSUM_OFFSET);
    }

    public static int src(ByteBuf buf, int index) {
        return buf.getInt(index + 12);
    }

    public static int dst(ByteBuf buf, int index) {
        return buf.getInt(index + 16);
    }

    public static void setTos(ByteBuf buf, int index, int tos) {
        buf.setByte(index + 1, tos);
    }

    public static void setTotalLength(ByteBuf buf, int index, int totalLength) {
        buf.setShort(index + 2, totalLength);
    }

    public static void setId(ByteBuf buf, int index, int id) {
        buf.setShort(index + 4, id);
    }

    public static void setFlagsAndFragmentOffset(ByteBuf buf, int index, int value) {
        buf.setShort(index + 6, value);
    }

    public static void setTtl(ByteBuf buf, int index, int ttl) {
        buf.setByte(index + 8, ttl);
    }

    public static void setProtocol(ByteBuf buf, int index, int protocol) {
        buf.setByte(index + 9, protocol);
    }

    public static void setHeaderChecksum(ByteBuf buf, int index, int checksum) {
        buf.setShort(index + CHECKSUM_OFFSET, checksum);
    }

    public static void setSrc(ByteBuf buf, int index, int src) {
        buf.setInt(index + 12, src);
    }

    public static void setDst(ByteBuf buf, int index, int dst) {
        buf.setInt(index + 16, dst);
    }

    /** The header checksum the header at {@code index} should carry (its current checksum field is ignored). */
    public static int computeHeaderChecksum(ByteBuf buf, int index) {
        int length = headerLength(buf, index);
        long acc = Checksum.add(0, buf, index, CHECKSUM_OFFSET);
        acc = Checksum.add(acc, buf, index + CHECKSUM_OFFSET + 2, length - CHECKSUM_OFFSET - 2);
        return Checksum.finish(acc);
    }

    /** True if the header checksum is correct (the header sums to 0xFFFF). */
    public static boolean verifyHeaderChecksum(ByteBuf buf, int index) {
        return Checksum.fold(Checksum.add(0, buf, index, headerLength(buf, index))) == 0xFFFF;
    }

    /** Recomputes and writes the header checksum. */
    public static void fillHeaderChecksum(ByteBuf buf, int index) {
        setHeaderChecksum(buf, index, computeHeaderChecksum(buf, index));
    }

    /**
     * Writes a 20-byte header without options, including its checksum.
     *
     * @param flagsAndFragmentOffset e.g. 0 (what a kernel VXLAN device sends: DF clear) or {@link #FLAG_DF}
     */
    public static void write(ByteBuf buf, int index, int tos, int totalLength, int id, int flagsAndFragmentOffset,
                             int ttl, int protocol, int src, int dst) {
        buf.setShort(index, 0x4500 | (tos & 0xFF));
        buf.setShort(index + 2, totalLength);
        buf.setShort(index + 4, id);
        buf.setShort(index + 6, flagsAndFragmentOffset);
        buf.setShort(index + 8, (ttl & 0xFF) << 8 | (protocol & 0xFF));
        buf.setShort(index + CHECKSUM_OFFSET, 0);
        buf.setInt(index + 12, src);
        buf.setInt(index + 16, dst);
        fillHeaderChecksum(buf, index);
    }

    /** Dotted-quad text of an address int (not for the hot path). */
    public static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." + (address & 0xFF);
    }

    /** Parses dotted-quad text (not for the hot path). */
    public static int parse(String text) {
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address (want a.b.c.d): \"" + text + "\"");
        }
        int v = 0;
        for (String p : parts) {
            int octet;
            try {
                octet = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                octet = -1;
            }
            if (octet < 0 || octet > 255 || p.isEmpty() || p.length() > 3) {
                throw new IllegalArgumentException("not an IPv4 address (each part 0-255): \"" + text + "\"");
            }
            v = (v << 8) | octet;
        }
        return v;
    }
}
