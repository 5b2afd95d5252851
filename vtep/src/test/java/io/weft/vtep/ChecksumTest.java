package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Checksum} against known-good packets (the kernel captures are in {@link GoldenFramesTest}) and
 * against {@link NaiveChecksum}.
 */
class ChecksumTest {
    private static final byte[] SRC6 = bytes("fd44:0:0:1::5");
    private static final byte[] DST6 = bytes("fd44:0:0:2::7");

    @Test
    void rfc1071WorkedExample() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (checksum 220d).
        ByteBuf b = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("0001f203f4f5f6f7"));
        assertThat(Checksum.fold(Checksum.add(0, b, 0, 8))).isEqualTo(0xddf2);
        assertThat(Checksum.of(b, 0, 8)).isEqualTo(0x220d);
    }

    @Test
    void ipv4HeaderChecksumOfAKnownHeader() {
        // A well-known example header (Wikipedia, "IPv4 header checksum"): checksum b861.
        ByteBuf b = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("450000730000400040110000c0a80001c0a800c7"));
        assertThat(Ipv4.computeHeaderChecksum(b, 0)).isEqualTo(0xb861);
        assertThat(Ipv4.verifyHeaderChecksum(b, 0)).isFalse();
        Ipv4.fillHeaderChecksum(b, 0);
        assertThat(Ipv4.headerChecksum(b, 0)).isEqualTo(0xb861);
        assertThat(Ipv4.verifyHeaderChecksum(b, 0)).isTrue();
    }

    @Test
    void icmpv6EchoOverIpv6MatchesTheNaiveSum() {
        byte[] payload = "weft icmpv6 echo, odd length".getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.buffer(256);
        int l4Length = Icmpv6.HEADER_LENGTH + payload.length;
        Ipv6.write(b, 0, 0, 0x12345, l4Length, Ip.PROTO_ICMPV6, 64, hi(SRC6), lo(SRC6), hi(DST6), lo(DST6));
        Icmp.writeEcho(b, 40, Icmpv6.TYPE_ECHO_REQUEST, 0x7707, 3);
        b.setBytes(48, payload);

        int written = Checksum.fillL4(b, 0);

        byte[] l4 = ByteBufUtil.getBytes(b, 40, l4Length);
        l4[2] = 0;
        l4[3] = 0;
        int naive = NaiveChecksum.checksum(NaiveChecksum.pseudoHeaderV6(SRC6, DST6, 58, l4Length), l4);
        assertThat(written).isEqualTo(naive);
        assertThat(Icmp.checksum(b, 40)).isEqualTo(naive);
        assertThat(Checksum.verifyL4(b, 0)).isTrue();
        b.setByte(60, b.getByte(60) ^ 0x20);
        assertThat(Checksum.verifyL4(b, 0)).isFalse();
    }

    @Test
    void udpOverIpv6MatchesTheNaiveSumAndZeroIsInvalid() {
        byte[] payload = "weft udp6".getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.buffer(256);
        int l4Length = Udp.HEADER_LENGTH + payload.length;
        Ipv6.write(b, 0, 0, 0, l4Length, Ip.PROTO_UDP, 64, hi(SRC6), lo(SRC6), hi(DST6), lo(DST6));
        Udp.write(b, 40, 40000, 9999, l4Length);
        b.setBytes(48, payload);

        int written = Checksum.fillL4(b, 0);

        byte[] l4 = ByteBufUtil.getBytes(b, 40, l4Length);
        l4[6] = 0;
        l4[7] = 0;
        assertThat(written).isEqualTo(NaiveChecksum.checksum(NaiveChecksum.pseudoHeaderV6(SRC6, DST6, 17, l4Length), l4));
        assertThat(Checksum.verifyL4(b, 0)).isTrue();
        Udp.setChecksum(b, 40, 0);
        assertThat(Checksum.verifyL4(b, 0)).as("IPv6 forbids the zero UDP checksum").isFalse();
    }

    @Test
    void udpOverIpv4MatchesTheNaiveSumAndZeroMeansNone() {
        byte[] src = {10, (byte) 244, 1, 0};
        byte[] dst = {10, (byte) 244, 2, 0};
        byte[] payload = "weft golden udp".getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.buffer(128);
        int l4Length = 8 + payload.length;
        Ipv4.write(b, 0, 0, 20 + l4Length, 1, Ipv4.FLAG_DF, 64, Ip.PROTO_UDP, Ipv4.parse("10.244.1.0"), Ipv4.parse("10.244.2.0"));
        Udp.write(b, 20, 40000, 9999, l4Length);
        b.setBytes(28, payload);

        int written = Checksum.fillL4(b, 0);

        byte[] l4 = ByteBufUtil.getBytes(b, 20, l4Length);
        l4[6] = 0;
        l4[7] = 0;
        assertThat(written).isEqualTo(NaiveChecksum.checksum(NaiveChecksum.pseudoHeaderV4(src, dst, 17, l4Length), l4));
        Udp.setChecksum(b, 20, 0);
        assertThat(Checksum.verifyL4(b, 0)).as("IPv4 zero UDP checksum: none").isTrue();
    }

    @Test
    void aUdpChecksumThatComputesToZeroIsSentAsFfff() {
        // Find a payload word that makes the sum come out as 0xFFFF (checksum 0): choose it as the complement.
        ByteBuf b = Unpooled.buffer(64);
        Ipv4.write(b, 0, 0, 30, 1, 0, 64, Ip.PROTO_UDP, 0x0A000001, 0x0A000002);
        Udp.write(b, 20, 1000, 2000, 10);
        b.setShort(28, 0);
        int without = Checksum.fold(Checksum.add(Checksum.pseudoHeader(b, 0), b, 20, 10));
        b.setShort(28, ~without & 0xFFFF);
        assertThat(Checksum.fillL4(b, 0)).isEqualTo(0xFFFF);
        assertThat(Checksum.verifyL4(b, 0)).isTrue();
    }

    @Test
    void unknownProtocolsAreNeitherFilledNorVerified() {
        ByteBuf b = Unpooled.buffer(64);
        Ipv4.write(b, 0, 0, 28, 1, 0, 64, 47 /* GRE */, 1, 2);
        assertThat(Checksum.fillL4(b, 0)).isEqualTo(-1);
        assertThat(Checksum.verifyL4(b, 0)).isFalse();
        Ipv4.write(b, 0, 0, 28, 1, 0, 64, Ip.PROTO_ICMPV6, 1, 2);
        assertThat(Checksum.verifyL4(b, 0)).as("ICMPv6 inside IPv4").isFalse();
    }

    /** The 8-bytes-at-a-time sum equals the byte-by-byte one for any bytes, offset, length and buffer kind. */
    @Property(tries = 500)
    void wideSumEqualsNaiveSum(@ForAll @Size(max = 1600) byte[] data, @ForAll @IntRange(max = 7) int offset,
                               @ForAll boolean direct) {
        ByteBuf b = direct ? Unpooled.directBuffer(offset + data.length + 1) : Unpooled.buffer(offset + data.length + 1);
        try {
            b.setBytes(offset, data);
            int naive = NaiveChecksum.sum(data);
            int ours = Checksum.fold(Checksum.add(0, b, offset, data.length));
            // 0x0000 and 0xFFFF are the two ones-complement zeros; only all-zero input gives 0x0000 naively.
            assertThat(ours == naive || (ours == 0xFFFF && naive == 0) || (ours == 0 && naive == 0xFFFF))
                    .as("ours %04x naive %04x", ours, naive).isTrue();
        } finally {
            b.release();
        }
    }

    @Property(tries = 300)
    void foldNeverExceeds16Bits(@ForAll long acc) {
        assertThat(Checksum.fold(acc & Long.MAX_VALUE)).isBetween(0, 0xFFFF);
    }

    private static byte[] bytes(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static long hi(byte[] a) {
        return Unpooled.wrappedBuffer(a).getLong(0);
    }

    private static long lo(byte[] a) {
        return Unpooled.wrappedBuffer(a).getLong(8);
    }
}
