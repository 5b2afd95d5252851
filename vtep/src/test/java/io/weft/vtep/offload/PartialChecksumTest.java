package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link PartialChecksum} against packets built here and checked with {@link SuperPackets}' byte-pair checksum, so
 * that the code under test is not checked by itself. The kernel's own partial frames are in
 * {@code io.weft.vtep.PartialFramesTest}.
 */
class PartialChecksumTest {
    private static final int TCP = 6;
    private static final int UDP = 17;
    /** Room for a virtio_net_hdr in front of every packet built here. */
    private static final int HEADROOM = VirtioNetHdr.LENGTH;

    /** What a generated packet is made of. {@code at} is where its IP header starts in the buffer. */
    record Shape(boolean v6, boolean tcp, int ipOptionBytes, int tcpOptionBytes, byte[] payload, long seed, int at,
                 boolean direct) {
        int ipHeader() {
            return v6 ? 40 : 20 + ipOptionBytes;
        }

        int l4Header() {
            return tcp ? 20 + tcpOptionBytes : 8;
        }

        int length() {
            return ipHeader() + l4Header() + payload.length;
        }

        int l4() {
            return at + ipHeader();
        }

        int field() {
            return l4() + (tcp ? 16 : 6);
        }
    }

    static Shape shape(boolean v6, boolean tcp, int ipOptionWords, int tcpOptionWords, byte[] payload, long seed,
                       int offset, boolean direct) {
        return new Shape(v6, tcp, v6 ? 0 : 4 * ipOptionWords, 4 * tcpOptionWords, payload, seed, HEADROOM + offset, direct);
    }

    /** A TCP or UDP packet with a complete checksum (computed here, byte pair by byte pair), as a NIC would send it. */
    static ByteBuf build(Shape s) {
        int capacity = s.at() + s.length() + 16;
        ByteBuf b = s.direct() ? Unpooled.directBuffer(capacity) : Unpooled.buffer(capacity);
        Random r = new Random(s.seed());
        b.writeZero(s.at());
        int l4Length = s.l4Header() + s.payload().length;
        int protocol = s.tcp() ? TCP : UDP;
        if (s.v6()) {
            b.writeInt(6 << 28 | r.nextInt(1 << 20)).writeShort(l4Length).writeByte(protocol).writeByte(64);
            for (int i = 0; i < 4; i++) {
                b.writeLong(r.nextLong());
            }
        } else {
            b.writeByte(0x40 | s.ipHeader() / 4).writeByte(0).writeShort(s.length()).writeShort(r.nextInt(1 << 16))
                    .writeShort(0x4000).writeByte(64).writeByte(protocol).writeShort(0).writeInt(r.nextInt())
                    .writeInt(r.nextInt());
            for (int i = 0; i < s.ipOptionBytes(); i++) {
                b.writeByte(1); // NOP options
            }
            b.setShort(s.at() + 10, SuperPackets.naiveChecksum(b, s.at(), s.ipHeader(), 0));
        }
        if (s.tcp()) {
            b.writeShort(r.nextInt(1 << 16)).writeShort(r.nextInt(1 << 16)).writeInt(r.nextInt()).writeInt(r.nextInt());
            b.writeByte(s.l4Header() / 4 << 4).writeByte(0x18).writeShort(r.nextInt(1 << 16)).writeShort(0).writeShort(0);
            for (int i = 0; i < s.tcpOptionBytes(); i++) {
                b.writeByte(r.nextInt(256));
            }
        } else {
            b.writeShort(r.nextInt(1 << 16)).writeShort(r.nextInt(1 << 16)).writeShort(l4Length).writeShort(0);
        }
        b.writeBytes(s.payload());
        b.setShort(s.field(), rightChecksum(b, s));
        return b;
    }

    /** The complete checksum for the packet's current bytes (its checksum field not counted), computed naively. */
    static int rightChecksum(ByteBuf b, Shape s) {
        int saved = b.getUnsignedShort(s.field());
        b.setShort(s.field(), 0);
        int l4Length = s.length() - s.ipHeader();
        int c = SuperPackets.naiveChecksum(b, s.l4(), l4Length, SuperPackets.pseudo(b, s.at(), l4Length));
        b.setShort(s.field(), saved);
        return c == 0 && !s.tcp() ? 0xFFFF : c;
    }

    /** The partial form: the folded pseudo-header sum, computed naively. */
    static int partialForm(ByteBuf b, Shape s) {
        return SuperPackets.fold(SuperPackets.pseudo(b, s.at(), s.length() - s.ipHeader()));
    }

    // ------------------------------------------------------------------ properties

    /** TCP or UDP over IPv4 (with 0-8 option bytes) or IPv6, up to an MSS of payload, anywhere in a heap or direct buffer. */
    @Provide
    Arbitrary<Shape> shapes() {
        return Combinators.combine(Arbitraries.of(false, true), Arbitraries.of(false, true),
                        Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 3),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(1460), Arbitraries.longs(),
                        Arbitraries.integers().between(0, 7), Arbitraries.of(false, true))
                .as(PartialChecksumTest::shape);
    }

    @Property(tries = 400)
    void aCompleteChecksumIsValid(@ForAll("shapes") Shape s) {
        ByteBuf b = build(s);
        try {
            // One packet in 65,535 has a complete checksum that equals the partial form; that one counts as partial.
            InnerChecksum expected = b.getUnsignedShort(s.field()) == partialForm(b, s)
                    ? InnerChecksum.PARTIAL : InnerChecksum.VALID;
            assertThat(PartialChecksum.classify(b, s.at(), s.length())).isEqualTo(expected);
        } finally {
            b.release();
        }
    }

    @Property(tries = 400)
    void aPacketMadePartialAndCompletedIsTheOriginal(@ForAll("shapes") Shape s) {
        ByteBuf b = build(s);
        try {
            byte[] original = ByteBufUtil.getBytes(b, s.at(), s.length());

            assertThat(PartialChecksum.makePartial(b, s.at(), s.length())).isTrue();
            assertThat(b.getUnsignedShort(s.field())).as("the folded pseudo-header sum").isEqualTo(partialForm(b, s));
            assertThat(PartialChecksum.isPartial(b, s.at(), s.length())).isTrue();
            assertThat(PartialChecksum.classify(b, s.at(), s.length())).isEqualTo(InnerChecksum.PARTIAL);

            assertThat(PartialChecksum.complete(b, s.at(), s.length())).isTrue();
            assertThat(ByteBufUtil.getBytes(b, s.at(), s.length())).isEqualTo(original);
            assertThat(SuperPackets.l4ChecksumOk(b, s.at(), s.length())).isTrue();
        } finally {
            b.release();
        }
    }

    /** The same through a virtio_net_hdr: what the kernel does with NEEDS_CSUM at csum_start/csum_offset. */
    @Property(tries = 300)
    void theNeedsCsumHeaderLetsTheKernelCompleteTheChecksum(@ForAll("shapes") Shape s) {
        ByteBuf b = build(s);
        try {
            byte[] original = ByteBufUtil.getBytes(b, s.at(), s.length());
            PartialChecksum.makePartial(b, s.at(), s.length());
            int hdr = s.at() - VirtioNetHdr.LENGTH;

            assertThat(PartialChecksum.writeNeedsCsumHeader(b, hdr, s.at(), s.length())).isTrue();

            assertThat(VirtioNetHdr.flags(b, hdr)).isEqualTo(VirtioNetHdr.F_NEEDS_CSUM);
            assertThat(VirtioNetHdr.gsoType(b, hdr)).isEqualTo(VirtioNetHdr.GSO_NONE);
            assertThat(VirtioNetHdr.gsoSize(b, hdr)).isZero();
            int start = VirtioNetHdr.csumStart(b, hdr);
            int offset = VirtioNetHdr.csumOffset(b, hdr);
            assertThat(start).isEqualTo(s.ipHeader());
            assertThat(offset).isEqualTo(s.tcp() ? 16 : 6);
            assertThat(b.getUnsignedShortLE(hdr + 2)).as("hdr_len: IP and L4 headers").isEqualTo(s.ipHeader() + s.l4Header());
            assertThat(VirtioNetHdr.completeChecksum(b, s.at(), s.length(), start, offset)).isTrue();
            assertThat(ByteBufUtil.getBytes(b, s.at(), s.length())).isEqualTo(original);
        } finally {
            b.release();
        }
    }

    /**
     * One byte changed where the checksum covers it (an address or the L4 header and payload) of a complete packet,
     * or in the checksum field of a partial one: the checksum fits neither form any more. A single changed byte always
     * changes the ones-complement sum; the assumptions only set aside the one-in-65,535 cases where the damaged field
     * happens to equal the other form (or, over IPv4, becomes UDP's "no checksum").
     */
    @Property(tries = 600)
    void aCorruptChecksumIsNeitherValidNorPartial(@ForAll("shapes") Shape s, @ForAll boolean fromPartial, @ForAll int where,
                                                  @ForAll @IntRange(min = 1, max = 255) int flip) {
        ByteBuf b = build(s);
        try {
            int at;
            if (fromPartial) {
                PartialChecksum.makePartial(b, s.at(), s.length());
                at = s.field() + Math.floorMod(where, 2);
            } else {
                int addresses = s.v6() ? 32 : 8;
                int l4Length = s.length() - s.ipHeader();
                int i = Math.floorMod(where, addresses + l4Length);
                at = i < addresses ? s.at() + (s.v6() ? 8 : 12) + i : s.l4() + (i - addresses);
                if (!s.tcp() && (at == s.l4() + 4 || at == s.l4() + 5)) {
                    // A UDP length that disagrees with the IP header is the kernel's to judge (UNCHECKED, tested
                    // below): damage the checksum field instead.
                    at += 2;
                }
            }
            b.setByte(at, b.getUnsignedByte(at) ^ flip);

            int field = b.getUnsignedShort(s.field());
            Assume.that(field % 0xFFFF != rightChecksum(b, s) % 0xFFFF);
            Assume.that(field != partialForm(b, s));
            Assume.that(!(field == 0 && !s.tcp() && !s.v6()));

            assertThat(PartialChecksum.classify(b, s.at(), s.length())).isEqualTo(InnerChecksum.BAD);
            assertThat(PartialChecksum.isPartial(b, s.at(), s.length())).isFalse();
        } finally {
            b.release();
        }
    }

    // ------------------------------------------------------------------ covered by an outer checksum

    /**
     * A weft peer's frame: the payload is not summed, so a complete checksum and a damaged one are both COVERED (the
     * outer UDP checksum the kernel verified is what judged the bytes); the partial form is still recognised, and
     * what classify cannot judge stays UNCHECKED.
     */
    @Property(tries = 300)
    void underAnOuterChecksumOnlyThePartialFormIsTold(@ForAll("shapes") Shape s, @ForAll int where,
                                                        @ForAll @IntRange(min = 1, max = 255) int flip) {
        ByteBuf b = build(s);
        try {
            InnerChecksum complete = PartialChecksum.classify(b, s.at(), s.length());
            assertThat(PartialChecksum.classifyCovered(b, s.at(), s.length()))
                    .isEqualTo(complete == InnerChecksum.PARTIAL ? InnerChecksum.PARTIAL : InnerChecksum.COVERED);

            int payloadAt = s.l4() + s.l4Header();
            Assume.that(s.payload().length > 0);
            int at = payloadAt + Math.floorMod(where, s.payload().length);
            b.setByte(at, b.getUnsignedByte(at) ^ flip);
            Assume.that(b.getUnsignedShort(s.field()) != partialForm(b, s));
            assertThat(PartialChecksum.classifyCovered(b, s.at(), s.length())).as("damaged, not summed")
                    .isEqualTo(InnerChecksum.COVERED);

            PartialChecksum.makePartial(b, s.at(), s.length());
            assertThat(PartialChecksum.classifyCovered(b, s.at(), s.length())).isEqualTo(InnerChecksum.PARTIAL);
        } finally {
            b.release();
        }
    }

    @Test
    void underAnOuterChecksumAFragmentIsStillUnchecked() {
        Shape s = shape(false, true, 0, 0, new byte[40], 5, 0, true);
        ByteBuf b = build(s);
        try {
            b.setShort(s.at() + 6, 0x2000);
            assertThat(PartialChecksum.classifyCovered(b, s.at(), s.length())).isEqualTo(InnerChecksum.UNCHECKED);
        } finally {
            b.release();
        }
    }

    // ------------------------------------------------------------------ UDP's zero rules

    @Test
    void aZeroUdpChecksumIsNoChecksumOverIpv4AndInvalidOverIpv6() {
        for (boolean v6 : new boolean[] {false, true}) {
            Shape s = shape(v6, false, 0, 0, new byte[] {1, 2, 3, 4, 5}, 7, 0, true);
            ByteBuf b = build(s);
            try {
                b.setShort(s.field(), 0);
                assertThat(PartialChecksum.classify(b, s.at(), s.length())).as("v6 %s", v6)
                        .isEqualTo(v6 ? InnerChecksum.BAD : InnerChecksum.VALID);
                assertThat(PartialChecksum.classifyCovered(b, s.at(), s.length())).as("covered, v6 %s", v6)
                        .isEqualTo(v6 ? InnerChecksum.BAD : InnerChecksum.COVERED);
                assertThat(PartialChecksum.isPartial(b, s.at(), s.length())).isFalse();
            } finally {
                b.release();
            }
        }
    }

    @Test
    void aUdpChecksumThatComputesToZeroIsCompletedAsAllOnes() {
        for (boolean v6 : new boolean[] {false, true}) {
            Shape s = shape(v6, false, 0, 0, new byte[16], 11, 0, true);
            ByteBuf b = build(s);
            try {
                // Put into the last payload word what makes the sum all ones, so the checksum computes to zero.
                int last = s.at() + s.length() - 2;
                b.setShort(last, 0);
                b.setShort(s.field(), 0);
                int l4Length = s.length() - s.ipHeader();
                b.setShort(last, SuperPackets.naiveChecksum(b, s.l4(), l4Length, SuperPackets.pseudo(b, s.at(), l4Length)));
                assertThat(SuperPackets.naiveChecksum(b, s.l4(), l4Length, SuperPackets.pseudo(b, s.at(), l4Length)))
                        .isZero();
                PartialChecksum.makePartial(b, s.at(), s.length());
                assertThat(PartialChecksum.classify(b, s.at(), s.length())).isEqualTo(InnerChecksum.PARTIAL);

                PartialChecksum.complete(b, s.at(), s.length());

                assertThat(b.getUnsignedShort(s.field())).as("zero means none: sent as 0xFFFF").isEqualTo(0xFFFF);
                assertThat(PartialChecksum.classify(b, s.at(), s.length())).isEqualTo(InnerChecksum.VALID);
            } finally {
                b.release();
            }
        }
    }

    @Test
    void aPseudoHeaderSumOfAllOnesIsRecognisedAsPartial() {
        for (boolean tcp : new boolean[] {true, false}) {
            Shape s = shape(false, tcp, 0, 0, new byte[] {9, 8, 7}, 3, 0, true);
            ByteBuf b = build(s);
            try {
                // Choose the source address's low word so that the pseudo-header folds to 0xFFFF.
                b.setShort(s.at() + 14, 0);
                int rest = partialForm(b, s);
                b.setShort(s.at() + 14, 0xFFFF - rest);
                assertThat(partialForm(b, s)).isEqualTo(0xFFFF);
                b.setShort(s.field(), 0xFFFF);

                assertThat(PartialChecksum.isPartial(b, s.at(), s.length())).isTrue();
                assertThat(PartialChecksum.classify(b, s.at(), s.length())).isEqualTo(InnerChecksum.PARTIAL);
                PartialChecksum.complete(b, s.at(), s.length());
                assertThat(SuperPackets.l4ChecksumOk(b, s.at(), s.length())).isTrue();
            } finally {
                b.release();
            }
        }
    }

    // ------------------------------------------------------------------ what is not ours to judge

    @Test
    void packetsWithoutAChecksumWeCanJudgeAreUnchecked() {
        Shape s = shape(false, true, 0, 0, new byte[40], 5, 0, true);
        ByteBuf b = build(s);
        try {
            int ip = s.at();
            int length = s.length();
            PartialChecksum.makePartial(b, ip, length);

            b.setShort(ip + 6, 0x2000); // more fragments: the checksum covers the whole datagram
            assertUnchecked(b, ip, length, "an IPv4 fragment");
            b.setShort(ip + 6, 0x4000);

            b.setByte(ip + 9, 1);
            assertUnchecked(b, ip, length, "ICMP");
            b.setByte(ip + 9, TCP);

            assertUnchecked(b, ip, length - 1, "a length other than the header's");
            b.setByte(ip, 0x44);
            assertUnchecked(b, ip, length, "an IPv4 header length below 20");
            b.setByte(ip, 0x45);
            assertThat(PartialChecksum.classify(b, ip, length)).isEqualTo(InnerChecksum.PARTIAL);
        } finally {
            b.release();
        }

        Shape v6 = shape(true, false, 0, 0, new byte[12], 6, 0, true);
        ByteBuf c = build(v6);
        try {
            c.setByte(v6.at() + 6, 0); // hop-by-hop options first: extension headers are not walked
            assertUnchecked(c, v6.at(), v6.length(), "IPv6 with an extension header");
            c.setByte(v6.at() + 6, UDP);
            c.setShort(v6.l4() + 4, 8); // UDP length shorter than the IPv6 payload
            assertUnchecked(c, v6.at(), v6.length(), "a UDP length that disagrees with IPv6's");
        } finally {
            c.release();
        }

        ByteBuf shortTcp = Unpooled.buffer(64);
        shortTcp.writeZero(HEADROOM).writeShort(0x4500).writeShort(20 + 12).writeInt(0).writeByte(64).writeByte(TCP)
                .writeShort(0).writeInt(1).writeInt(2).writeZero(12);
        assertUnchecked(shortTcp, HEADROOM, 32, "TCP shorter than its minimal header");
    }

    private static void assertUnchecked(ByteBuf b, int ip, int length, String what) {
        assertThat(PartialChecksum.classify(b, ip, length)).as(what).isEqualTo(InnerChecksum.UNCHECKED);
        assertThat(PartialChecksum.isPartial(b, ip, length)).as(what).isFalse();
        assertThat(PartialChecksum.csumStart(b, ip, length)).as(what).isEqualTo(-1);
        assertThat(PartialChecksum.csumOffset(b, ip, length)).as(what).isEqualTo(-1);
        int before = b.getUnsignedShort(ip + 2);
        assertThat(PartialChecksum.complete(b, ip, length)).as(what).isFalse();
        assertThat(PartialChecksum.makePartial(b, ip, length)).as(what).isFalse();
        assertThat(PartialChecksum.writeNeedsCsumHeader(b, ip - VirtioNetHdr.LENGTH, ip, length)).as(what).isFalse();
        assertThat(b.getUnsignedShort(ip + 2)).isEqualTo(before);
    }

    @Test
    void csumStartAndOffsetFollowTheHeaders() {
        Shape withOptions = shape(false, true, 2, 3, new byte[100], 1, 0, true);
        Shape udp6 = shape(true, false, 0, 0, new byte[100], 2, 0, true);
        ByteBuf a = build(withOptions);
        ByteBuf c = build(udp6);
        try {
            assertThat(PartialChecksum.csumStart(a, withOptions.at(), withOptions.length())).isEqualTo(28);
            assertThat(PartialChecksum.csumOffset(a, withOptions.at(), withOptions.length())).isEqualTo(16);
            assertThat(PartialChecksum.csumStart(c, udp6.at(), udp6.length())).isEqualTo(40);
            assertThat(PartialChecksum.csumOffset(c, udp6.at(), udp6.length())).isEqualTo(6);
        } finally {
            a.release();
            c.release();
        }
    }

    // ------------------------------------------------------------------ hot path

    @Test
    void recognisingAndCompletingAllocateNothing() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "the JVM cannot count allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
        Shape[] shapes = {
            shape(false, true, 0, 3, new byte[1400], 1, 0, true),
            shape(true, true, 0, 3, new byte[1380], 2, 0, true),
            shape(false, false, 0, 0, new byte[900], 3, 0, true),
            shape(true, false, 0, 0, new byte[900], 4, 0, false),
        };
        ByteBuf[] packets = new ByteBuf[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            packets[i] = build(shapes[i]);
        }
        try {
            long warm = exercise(shapes, packets, 20_000);
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            long sum = exercise(shapes, packets, 20_000);
            long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            assertThat(warm).isEqualTo(sum);
            // 80,000 packets: one object per packet would be more than 1 MB.
            assertThat(allocated).as("bytes allocated recognising, completing and describing partial checksums")
                    .isLessThan(8 * 1024);
        } finally {
            for (ByteBuf p : packets) {
                p.release();
            }
        }
    }

    private static long exercise(Shape[] shapes, ByteBuf[] packets, int rounds) {
        long sum = 0;
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < shapes.length; i++) {
                ByteBuf b = packets[i];
                int ip = shapes[i].at();
                int length = shapes[i].length();
                PartialChecksum.makePartial(b, ip, length);
                sum += PartialChecksum.isPartial(b, ip, length) ? 1 : 0;
                sum += PartialChecksum.classify(b, ip, length).ordinal();
                sum += PartialChecksum.writeNeedsCsumHeader(b, ip - VirtioNetHdr.LENGTH, ip, length) ? 1 : 0;
                sum += PartialChecksum.complete(b, ip, length) ? 1 : 0;
                sum += PartialChecksum.classify(b, ip, length).ordinal();
                sum += PartialChecksum.classifyCovered(b, ip, length).ordinal();
            }
        }
        return sum;
    }
}
