package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/** The fixed 40-byte IPv6 header (RFC 8200) at an index; each address is two big-endian longs (hi, lo). */
public final class Ipv6 {
    public static final int HEADER_LENGTH = 40;

    private Ipv6() {
    }

    public static int version(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index) >>> 4;
    }

    public static int trafficClass(ByteBuf buf, int index) {
        return (buf.getUnsignedShort(index) >>> 4) & 0xFF;
    }

    public static int flowLabel(ByteBuf buf, int index) {
        return buf.getInt(index) & 0xF_FFFF;
    }

    public static int payloadLength(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 4);
    }

    public static int nextHeader(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + 6);
    }

    public static int hopLimit(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + 7);
    }

    public static long srcHi(ByteBuf buf, int index) {
        return buf.getLong(index + 8);
    }

    public static long srcLo(ByteBuf buf, int index) {
        return buf.getLong(index + 16);
    }

    public static long dstHi(ByteBuf buf, int index) {
        return buf.getLong(index + 24);
    }

    public static long dstLo(ByteBuf buf, int index) {
        return buf.getLong(index + 32);
    }

    public static void setPayloadLength(ByteBuf buf, int index, int length) {
        buf.setShort(index + 4, length);
    }

    public static void setNextHeader(ByteBuf buf, int index, int nextHeader) {
        buf.setByte(index + 6, nextHeader);
    }

    public static void setHopLimit(ByteBuf buf, int index, int hopLimit) {
        buf.setByte(index + 7, hopLimit);
    }

    public static void setSrc(ByteBuf buf, int index, long hi, long lo) {
        buf.setLong(index + 8, hi);
        buf.setLong(index + 16, lo);
    }

    public static void setDst(ByteBuf buf, int index, long hi, long lo) {
        buf.setLong(index + 24, hi);
        buf.setLong(index + 32, lo);
    }

    /** Writes the fixed header. */
    public static void write(ByteBuf buf, int index, int trafficClass, int flowLabel, int payloadLength,
                             int nextHeader, int hopLimit, long srcHi, long srcLo, long dstHi, long dstLo) {
        buf.setInt(index, 6 << 28 | (trafficClass & 0xFF) << 20 | (flowLabel & 0xF_FFFF));
        buf.setShort(index + 4, payloadLength);
        buf.setByte(index + 6, nextHeader);
        buf.setByte(index + 7, hopLimit);
        setSrc(buf, index, srcHi, srcLo);
        setDst(buf, index, dstHi, dstLo);
    }
}
