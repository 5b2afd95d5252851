package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/**
 * The ICMPv4 header (RFC 792) at an index; id and sequence are meaningful for echo messages. ICMPv6 has the same
 * layout, so these accessors serve it too (type numbers in {@link Icmpv6}).
 */
public final class Icmp {
    public static final int HEADER_LENGTH = 8;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DEST_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;

    private Icmp() {
    }

    public static int type(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index);
    }

    public static int code(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + 1);
    }

    public static int checksum(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + CHECKSUM_OFFSET);
    }

    public static int id(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 4);
    }

    public static int sequence(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 6);
    }

    /** Writes an echo header with a zero checksum (fill it with {@link Checksum#fillL4}). */
    public static void writeEcho(ByteBuf buf, int index, int type, int id, int sequence) {
        buf.setShort(index, type << 8);
        buf.setShort(index + CHECKSUM_OFFSET, 0);
        buf.setShort(index + 4, id);
        buf.setShort(index + 6, sequence);
    }
}
