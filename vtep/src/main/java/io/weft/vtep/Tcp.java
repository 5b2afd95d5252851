package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/** The TCP header (RFC 9293) at an index: the fields a data plane reads. */
public final class Tcp {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int FLAG_FIN = 0x01;
    public static final int FLAG_SYN = 0x02;
    public static final int FLAG_RST = 0x04;
    public static final int FLAG_PSH = 0x08;
    public static final int FLAG_ACK = 0x10;
    /** Congestion window reduced (RFC 3168): on the first segment of a GSO packet only. */
    public static final int FLAG_CWR = 0x80;

    private Tcp() {
    }

    public static int srcPort(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index);
    }

    public static int dstPort(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 2);
    }

    public static long sequence(ByteBuf buf, int index) {
        return buf.getUnsignedInt(index + 4);
    }

    public static long acknowledgement(ByteBuf buf, int index) {
        return buf.getUnsignedInt(index + 8);
    }

    /** Data offset * 4: the header length in bytes including options. */
    public static int headerLength(ByteBuf buf, int index) {
        return (buf.getUnsignedByte(index + 12) >>> 4) << 2;
    }

    /** The 8 flag bits (CWR ECE URG ACK PSH RST SYN FIN). */
    public static int flags(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + 13);
    }

    public static int window(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 14);
    }

    public static int checksum(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + CHECKSUM_OFFSET);
    }

    public static void setChecksum(ByteBuf buf, int index, int checksum) {
        buf.setShort(index + CHECKSUM_OFFSET, checksum);
    }
}
