package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.Random;

/**
 * Crafts packets as a Linux TUN with TSO hands them out, and checks packets with a deliberately naive second
 * checksum implementation (byte pairs, no shortcuts), so that the code under test is not checked by itself.
 */
final class SuperPackets {
    static final int PREFIX = 22;
    static final int TCP_FLAG_FIN = 0x01;
    static final int TCP_FLAG_PSH = 0x08;
    static final int TCP_FLAG_ACK = 0x10;
    static final int TCP_FLAG_CWR = 0x80;

    private SuperPackets() {
    }

    /**
     * A TCP super-packet at index {@link #PREFIX} of a direct buffer, the PREFIX bytes before it filled with a marker
     * pattern. Its TCP checksum field holds the folded pseudo-header sum, as the kernel leaves it for NEEDS_CSUM.
     *
     * @param optionBytes TCP option bytes (a multiple of 4; timestamps are 12)
     */
    static ByteBuf tcp(boolean v6, int payload, int optionBytes, int flags, long seq, int id, long seed) {
        int ipHeader = v6 ? 40 : 20;
        int tcpHeader = 20 + optionBytes;
        int length = ipHeader + tcpHeader + payload;
        ByteBuf b = Unpooled.directBuffer(PREFIX + length + 64);
        Random r = new Random(seed);
        for (int i = 0; i < PREFIX; i++) {
            b.writeByte(0xA0 + i);
        }
        int ip = PREFIX;
        if (v6) {
            b.writeInt(6 << 28 | 0x12 << 20 | 0x3_4567);
            b.writeShort(tcpHeader + payload);
            b.writeByte(6);
            b.writeByte(64);
            b.writeLong(0xfd00_0000_0000_0001L).writeLong(0x0000_0000_0000_0010L);
            b.writeLong(0xfd00_0000_0000_0002L).writeLong(0x0000_0000_0000_0020L);
        } else {
            b.writeShort(0x4500);
            b.writeShort(length);
            b.writeShort(id);
            b.writeShort(0x4000);
            b.writeByte(64).writeByte(6);
            b.writeShort(0);
            b.writeInt(0x0AF4_0105).writeInt(0x0AF4_0207);
            b.setShort(ip + 10, naiveChecksum(b, ip, 20, 0));
        }
        int tcp = b.writerIndex();
        b.writeShort(43210).writeShort(5201);
        b.writeInt((int) seq).writeInt(0x1234_5678);
        b.writeByte((tcpHeader / 4) << 4).writeByte(flags);
        b.writeShort(502);
        b.writeShort(0).writeShort(0);
        for (int i = 0; i < optionBytes; i++) {
            b.writeByte(i == 0 ? 1 : r.nextInt(256));
        }
        for (int i = 0; i < payload; i++) {
            b.writeByte(r.nextInt(256));
        }
        b.setShort(tcp + 16, fold(pseudo(b, ip, tcpHeader + payload)));
        return b;
    }

    /** A UDP super-packet (USO) laid out as {@link #tcp}. */
    static ByteBuf udp(int payload, long seed) {
        int length = 20 + 8 + payload;
        ByteBuf b = Unpooled.directBuffer(PREFIX + length + 64);
        Random r = new Random(seed);
        b.writeZero(PREFIX);
        b.writeShort(0x4500).writeShort(length).writeShort(777).writeShort(0).writeByte(64).writeByte(17).writeShort(0);
        b.writeInt(0x0AF4_0105).writeInt(0x0AF4_0207);
        b.setShort(PREFIX + 10, naiveChecksum(b, PREFIX, 20, 0));
        int udp = b.writerIndex();
        b.writeShort(5353).writeShort(443).writeShort(8 + payload).writeShort(0);
        for (int i = 0; i < payload; i++) {
            b.writeByte(r.nextInt(256));
        }
        b.setShort(udp + 6, fold(pseudo(b, PREFIX, 8 + payload)));
        return b;
    }

    /** The pseudo-header sum, unfolded, computed from the header bytes one 16-bit word at a time. */
    static long pseudo(ByteBuf b, int ip, int l4Length) {
        long sum = 0;
        boolean v6 = (b.getUnsignedByte(ip) >> 4) == 6;
        int from = v6 ? ip + 8 : ip + 12;
        int to = v6 ? ip + 40 : ip + 20;
        for (int i = from; i < to; i += 2) {
            sum += b.getUnsignedShort(i);
        }
        sum += v6 ? b.getUnsignedByte(ip + 6) : b.getUnsignedByte(ip + 9);
        sum += l4Length & 0xFFFF;
        sum += l4Length >>> 16;
        return sum;
    }

    /**
     * The folded ones-complement sum of {@code [from, from + length)} (or to the writer index if length is 0), plus
     * {@code initial}, summed byte pair by byte pair.
     */
    static int naiveChecksum(ByteBuf b, int from, int length, long initial) {
        int end = length == 0 ? b.writerIndex() : from + length;
        long sum = initial;
        for (int i = from; i < end; i += 2) {
            int hi = b.getUnsignedByte(i);
            int lo = i + 1 < end ? b.getUnsignedByte(i + 1) : 0;
            sum += hi << 8 | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** True if the TCP or UDP checksum of the IP packet at {@code ip} of {@code length} bytes verifies. */
    static boolean l4ChecksumOk(ByteBuf b, int ip, int length) {
        boolean v6 = (b.getUnsignedByte(ip) >> 4) == 6;
        int ipHeader = v6 ? 40 : (b.getUnsignedByte(ip) & 0xF) * 4;
        int l4Length = length - ipHeader;
        return naiveChecksum(b, ip + ipHeader, l4Length, pseudo(b, ip, l4Length)) == 0;
    }

    static boolean ipv4HeaderChecksumOk(ByteBuf b, int ip) {
        return naiveChecksum(b, ip, (b.getUnsignedByte(ip) & 0xF) * 4, 0) == 0;
    }
}
