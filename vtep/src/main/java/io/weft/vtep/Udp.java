package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/** The 8-byte UDP header (RFC 768) at an index. Checksums: {@link Checksum#fillL4}, {@link Checksum#verifyL4}. */
public final class Udp {
    public static final int HEADER_LENGTH = 8;
    public static final int CHECKSUM_OFFSET = 6;

    private Udp() {
    }

    public static int srcPort(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index);
    }

    public static int dstPort(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 2);
    }

    /** Header plus payload, in bytes. */
    public static int length(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 4);
    }

    public static int checksum(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + CHECKSUM_OFFSET);
    }

    public static void setSrcPort(ByteBuf buf, int index, int port) {
        buf.setShort(index, port);
    }

    public static void setDstPort(ByteBuf buf, int index, int port) {
        buf.setShort(index + 2, port);
    }

    public static void setLength(ByteBuf buf, int index, int length) {
        buf.setShort(index + 4, length);
    }

    public static void setChecksum(ByteBuf buf, int index, int checksum) {
        buf.setShort(index + CHECKSUM_OFFSET, checksum);
    }

    /** Writes the header with a zero checksum; fill it afterwards with {@link Checksum#fillL4} once the IP header is in place. */
    public static void write(ByteBuf buf, int index, int srcPort, int dstPort, int length) {
        buf.setShort(index, srcPort);
        buf.setShort(index + 2, dstPort);
        buf.setShort(index + 4, length);
        buf.setShort(index + CHECKSUM_OFFSET, 0);
    }
}
