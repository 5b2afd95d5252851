package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.weft.vtep.offload.SuperPackets.PREFIX;
import static org.assertj.core.api.Assertions.assertThat;

class GroBatchTest {
    /** What the sink got: each packet's pieces glued together (virtio header first), and its segment count. */
    private final List<ByteBuf> written = new ArrayList<>();
    private final List<Integer> segmentCounts = new ArrayList<>();
    private final GroBatch gro = new GroBatch(collectInto(written));

    /** A sink that glues each packet's pieces into {@code packets} and its segment count into segmentCounts. */
    private GroSink collectInto(List<ByteBuf> packets) {
        return (bufs, indexes, lengths, count) -> {
            ByteBuf packet = Unpooled.buffer();
            for (int i = 0; i < count; i++) {
                packet.writeBytes(bufs[i], indexes[i], lengths[i]);
            }
            packets.add(packet);
            segmentCounts.add(count);
        };
    }

    private static final class Segments {
        final ByteBuf out;
        final int count;
        final int stride;
        final int total;

        Segments(ByteBuf out, int count, int stride, int total) {
            this.out = out;
            this.count = count;
            this.stride = stride;
            this.total = total;
        }

        int ip(int i) {
            return i * stride + PREFIX;
        }

        int length(int i) {
            return Math.min(stride, total - i * stride) - PREFIX;
        }
    }

    private static Segments split(ByteBuf in, int gsoSize) {
        int length = in.writerIndex() - PREFIX;
        int gsoType = (in.getUnsignedByte(PREFIX) >> 4) == 6 ? VirtioNetHdr.GSO_TCPV6 : VirtioNetHdr.GSO_TCPV4;
        int header = TsoSplit.headerLength(in, PREFIX, length, gsoType);
        int total = TsoSplit.outputLength(length, header, gsoSize, PREFIX);
        ByteBuf out = Unpooled.directBuffer(total);
        int n = TsoSplit.split(in, PREFIX, length, gsoType, gsoSize, PREFIX, out, 0);
        return new Segments(out, n, PREFIX + header + gsoSize, total);
    }

    /** The virtio header a merged packet of the super-packet {@code in} should carry, then the super-packet itself. */
    private static ByteBuf expectedMerge(ByteBuf in, int gsoSize) {
        int length = in.writerIndex() - PREFIX;
        boolean v6 = (in.getUnsignedByte(PREFIX) >> 4) == 6;
        int ipHeader = v6 ? 40 : 20;
        int header = ipHeader + (in.getUnsignedByte(PREFIX + ipHeader + 12) >> 4) * 4;
        ByteBuf e = Unpooled.buffer();
        VirtioNetHdr.write(e, 0, VirtioNetHdr.F_NEEDS_CSUM, v6 ? VirtioNetHdr.GSO_TCPV6 : VirtioNetHdr.GSO_TCPV4, header,
                gsoSize, ipHeader, 16);
        e.writerIndex(VirtioNetHdr.LENGTH);
        e.writeBytes(in, PREFIX, length);
        return e;
    }

    @Test
    void splitThenMergeGivesBackTheOriginalIpv4SuperPacket() {
        ByteBuf in = SuperPackets.tcp(false, 20_001, 12, 0x18, 0xFFFF_FF00L, 0xFFF0, 11);
        Segments s = split(in, 1398);
        for (int i = 0; i < s.count; i++) {
            gro.offer(s.out, s.ip(i), s.length(i));
        }
        gro.flush();
        assertThat(written).hasSize(1);
        assertThat(segmentCounts).containsExactly(s.count);
        assertThat(written.get(0)).isEqualTo(expectedMerge(in, 1398));
        assertThat(gro.mergedPackets()).isEqualTo(1);
    }

    @Test
    void splitThenMergeGivesBackTheOriginalIpv6SuperPacketWithoutOptions() {
        ByteBuf in = SuperPackets.tcp(true, 9_999, 0, 0x10, 1, 0, 12);
        Segments s = split(in, 1417);
        for (int i = 0; i < s.count; i++) {
            gro.offer(s.out, s.ip(i), s.length(i));
        }
        gro.flush();
        assertThat(written).containsExactly(expectedMerge(in, 1417));
    }

    @Test
    void aCorruptSegmentIsWrittenAloneAndTheRunStopsBeforeIt() {
        ByteBuf in = SuperPackets.tcp(false, 5 * 1000, 0, 0x10, 1000, 1, 13);
        Segments s = split(in, 1000);
        s.out.setByte(s.ip(2) + 40 + 7, s.out.getByte(s.ip(2) + 40 + 7) ^ 0x01);
        for (int i = 0; i < s.count; i++) {
            gro.offer(s.out, s.ip(i), s.length(i));
        }
        gro.flush();
        // segments 0-1 merged, 2 alone (corrupt), 3-4 merged
        assertThat(segmentCounts).containsExactly(2, 1, 2);
        assertThat((int) written.get(1).getUnsignedByte(1)).as("gso type of the lone packet").isEqualTo(VirtioNetHdr.GSO_NONE);
        assertThat((int) written.get(1).getUnsignedByte(0)).as("flags of the lone packet").isZero();
    }

    @Test
    void outOfOrderSegmentsStartANewRun() {
        ByteBuf in = SuperPackets.tcp(false, 4 * 1000, 0, 0x10, 1000, 1, 14);
        Segments s = split(in, 1000);
        int[] order = {0, 1, 3, 2};
        for (int i : order) {
            gro.offer(s.out, s.ip(i), s.length(i));
        }
        gro.flush();
        assertThat(segmentCounts).containsExactly(2, 1, 1);
        for (ByteBuf p : written) {
            assertThat(SuperPackets.l4ChecksumOk(p, VirtioNetHdr.LENGTH, p.readableBytes() - VirtioNetHdr.LENGTH)
                    || p.getUnsignedByte(1) != 0).isTrue();
        }
    }

    @Test
    void twoInterleavedFlowsAreMergedSeparately() {
        ByteBuf a = SuperPackets.tcp(false, 3000, 0, 0x10, 1, 1, 15);
        ByteBuf b = SuperPackets.tcp(false, 3000, 0, 0x10, 1, 1, 16);
        b.setShort(PREFIX + 20, 40000); // another source port
        b.setShort(PREFIX + 20 + 16, 0);
        b.setShort(PREFIX + 20 + 16, SuperPackets.fold(SuperPackets.pseudo(b, PREFIX, 3020)));
        Segments sa = split(a, 1000);
        Segments sb = split(b, 1000);
        for (int i = 0; i < 3; i++) {
            gro.offer(sa.out, sa.ip(i), sa.length(i));
            gro.offer(sb.out, sb.ip(i), sb.length(i));
        }
        gro.flush();
        assertThat(written).containsExactly(expectedMerge(a, 1000), expectedMerge(b, 1000));
    }

    @Test
    void aPureAckOfTheSameConnectionFlushesTheRunFirstSoNothingIsReordered() {
        ByteBuf in = SuperPackets.tcp(false, 3000, 0, 0x10, 1, 1, 17);
        Segments s = split(in, 1000);
        gro.offer(s.out, s.ip(0), s.length(0));
        gro.offer(s.out, s.ip(1), s.length(1));
        ByteBuf ack = SuperPackets.tcp(false, 0, 0, 0x10, 3001, 2, 18);
        gro.offer(ack, PREFIX, ack.writerIndex() - PREFIX);
        gro.offer(s.out, s.ip(2), s.length(2));
        gro.flush();
        assertThat(segmentCounts).containsExactly(2, 1, 1);
        assertThat(written.get(1).readableBytes()).isEqualTo(VirtioNetHdr.LENGTH + 40);
    }

    @Test
    void nothingJoinsAfterAPshOrAShortSegment() {
        ByteBuf first = SuperPackets.tcp(false, 2000, 0, 0x18, 1, 1, 19);
        Segments s = split(first, 1000);
        ByteBuf next = SuperPackets.tcp(false, 1000, 0, 0x10, 2001, 3, 20);
        gro.offer(s.out, s.ip(0), s.length(0));
        gro.offer(s.out, s.ip(1), s.length(1));
        gro.offer(next, PREFIX, next.writerIndex() - PREFIX);
        gro.flush();
        assertThat(segmentCounts).containsExactly(2, 1);
        int tcpFlags = written.get(0).getUnsignedByte(VirtioNetHdr.LENGTH + 20 + 13);
        assertThat(tcpFlags & 0x08).as("PSH carried onto the merged packet").isNotZero();
    }

    @Test
    void aRunStopsAtSixtyFourSegments() {
        ByteBuf in = SuperPackets.tcp(false, 70 * 500, 0, 0x10, 1, 1, 21);
        Segments s = split(in, 500);
        for (int i = 0; i < s.count; i++) {
            gro.offer(s.out, s.ip(i), s.length(i));
        }
        gro.flush();
        assertThat(segmentCounts).containsExactly(GroBatch.MAX_SEGMENTS, 70 - GroBatch.MAX_SEGMENTS);
        for (ByteBuf p : written) {
            int ipLength = p.getUnsignedShort(VirtioNetHdr.LENGTH + 2);
            assertThat(ipLength).isEqualTo(p.readableBytes() - VirtioNetHdr.LENGTH);
        }
    }

    @Test
    void nonTcpPacketsPassAloneWithAZeroHeader() {
        ByteBuf udp = SuperPackets.udp(100, 22);
        // SuperPackets leaves the checksum partial, as a TUN hands it out; complete it, as a NIC would have.
        assertThat(PartialChecksum.complete(udp, PREFIX, udp.writerIndex() - PREFIX)).isTrue();
        gro.offer(udp, PREFIX, udp.writerIndex() - PREFIX);
        assertThat(written).hasSize(1);
        ByteBuf expected = Unpooled.buffer().writeZero(VirtioNetHdr.LENGTH).writeBytes(udp, PREFIX, udp.writerIndex() - PREFIX);
        assertThat(written.get(0)).isEqualTo(expected);
    }

    // ------------------------------------------------------------------ partial checksums (issue 20)

    /** Segments as a kernel sender with checksum offload leaves them: only the pseudo-header sum in the field. */
    private static void makeEveryPartial(Segments s) {
        for (int i = 0; i < s.count; i++) {
            assertThat(PartialChecksum.makePartial(s.out, s.ip(i), s.length(i))).isTrue();
        }
    }

    @Test
    void partialSegmentsMergeAsCompleteOnesDo() {
        for (boolean v6 : new boolean[] {false, true}) {
            written.clear();
            ByteBuf in = SuperPackets.tcp(v6, 6 * 1000, 12, 0x10, 77, 5, v6 ? 31 : 30);
            Segments s = split(in, 1000);
            makeEveryPartial(s);
            for (int i = 0; i < s.count; i++) {
                gro.offer(s.out, s.ip(i), s.length(i));
            }
            gro.flush();
            assertThat(written).as("v6 %s", v6).containsExactly(expectedMerge(in, 1000));
        }
    }

    @Test
    void aLonePartialPacketGoesOutWithNeedsCsumAndItsChecksumFieldAsItCame() {
        ByteBuf ack = SuperPackets.tcp(false, 0, 12, 0x10, 1, 2, 32); // a pure ACK: never merged
        ByteBuf udp = SuperPackets.udp(333, 33);
        ByteBuf udp6 = SuperPackets.tcp(true, 100, 0, 0x10, 1, 0, 34);
        udp6.setByte(PREFIX + 6, 17); // the same bytes as UDP over IPv6: ports, then length and checksum
        udp6.setShort(PREFIX + 40 + 4, udp6.writerIndex() - PREFIX - 40);
        PartialChecksum.makePartial(udp6, PREFIX, udp6.writerIndex() - PREFIX);
        ByteBuf[] packets = {ack, udp, udp6};
        int[] csumStarts = {20, 20, 40};
        int[] csumOffsets = {16, 6, 6};
        for (int k = 0; k < packets.length; k++) {
            ByteBuf p = packets[k];
            int length = p.writerIndex() - PREFIX;
            assertThat(PartialChecksum.isPartial(p, PREFIX, length)).isTrue();
            byte[] asItCame = io.netty.buffer.ByteBufUtil.getBytes(p, PREFIX, length);
            gro.offer(p, PREFIX, length);
            gro.flush();

            ByteBuf w = written.get(k);
            assertThat(VirtioNetHdr.flags(w, 0)).as("packet %d", k).isEqualTo(VirtioNetHdr.F_NEEDS_CSUM);
            assertThat(VirtioNetHdr.gsoType(w, 0)).isEqualTo(VirtioNetHdr.GSO_NONE);
            assertThat(VirtioNetHdr.csumStart(w, 0)).isEqualTo(csumStarts[k]);
            assertThat(VirtioNetHdr.csumOffset(w, 0)).isEqualTo(csumOffsets[k]);
            assertThat(io.netty.buffer.ByteBufUtil.getBytes(w, VirtioNetHdr.LENGTH, length)).isEqualTo(asItCame);
            // What the kernel does with NEEDS_CSUM when it must: the result verifies.
            assertThat(VirtioNetHdr.completeChecksum(w, VirtioNetHdr.LENGTH, length, csumStarts[k], csumOffsets[k])).isTrue();
            assertThat(SuperPackets.l4ChecksumOk(w, VirtioNetHdr.LENGTH, length)).isTrue();
        }
        assertThat(segmentCounts).containsExactly(1, 1, 1);
    }

    @Test
    void aSegmentWhoseChecksumIsNeitherRightNorPartialIsNotMergedAndGoesOutWithAZeroHeader() {
        ByteBuf in = SuperPackets.tcp(false, 3 * 1000, 0, 0x10, 1000, 1, 35);
        Segments s = split(in, 1000);
        makeEveryPartial(s);
        int field = s.ip(1) + 20 + 16;
        s.out.setShort(field, s.out.getUnsignedShort(field) ^ 0x0100);
        for (int i = 0; i < s.count; i++) {
            gro.offer(s.out, s.ip(i), s.length(i));
        }
        gro.flush();
        assertThat(segmentCounts).containsExactly(1, 1, 1);
        assertThat(VirtioNetHdr.flags(written.get(0), 0)).as("a partial run of one").isEqualTo(VirtioNetHdr.F_NEEDS_CSUM);
        assertThat(VirtioNetHdr.flags(written.get(1), 0)).as("the damaged one: the kernel checks it").isZero();
        assertThat(VirtioNetHdr.flags(written.get(2), 0)).isEqualTo(VirtioNetHdr.F_NEEDS_CSUM);
    }

    @Test
    void segmentsCoveredByAVerifiedOuterChecksumMergeWithoutBeingSummedAndALoneOneGoesOutWithAZeroHeader() {
        ByteBuf in = SuperPackets.tcp(false, 4 * 1000, 12, 0x10, 500, 3, 36);
        Segments s = split(in, 1000);
        // Damage one payload byte of segment 1: under COVERED nothing sums it (the outer checksum was what judged it).
        int damaged = s.ip(1) + 52 + 10;
        s.out.setByte(damaged, s.out.getByte(damaged) ^ 0x40);
        for (int i = 0; i < s.count; i++) {
            gro.offer(s.out, s.ip(i), s.length(i), InnerChecksum.COVERED);
        }
        gro.flush();
        assertThat(segmentCounts).containsExactly(s.count);
        assertThat(VirtioNetHdr.flags(written.get(0), 0)).isEqualTo(VirtioNetHdr.F_NEEDS_CSUM);
        assertThat(VirtioNetHdr.gsoType(written.get(0), 0)).isEqualTo(VirtioNetHdr.GSO_TCPV4);
        assertThat(VirtioNetHdr.gsoSize(written.get(0), 0)).isEqualTo(1000);

        written.clear();
        ByteBuf ack = SuperPackets.tcp(false, 0, 12, 0x10, 1, 2, 37); // a pure ACK: never merged
        gro.offer(ack, PREFIX, ack.writerIndex() - PREFIX, InnerChecksum.COVERED);
        gro.flush();
        assertThat(written).hasSize(1);
        assertThat(VirtioNetHdr.flags(written.get(0), 0)).as("alone: the kernel checks it at its end").isZero();
        assertThat(VirtioNetHdr.gsoType(written.get(0), 0)).isEqualTo(VirtioNetHdr.GSO_NONE);
    }

    // ------------------------------------------------------------------ super-packets received whole

    /** A batch for a TUN of MTU 1450, with its own sink. */
    private final List<ByteBuf> written1450 = new ArrayList<>();
    private final GroBatch gro1450 = new GroBatch(collectInto(written1450), 1450);

    @Test
    void aPartialSuperPacketLongerThanTheMtuGoesOutAloneWithAGsoHeaderOfTheMtusMss() {
        // As a kernel VXLAN peer over a veth with its defaults sends it: 64 KB, the pseudo-header sum in the field.
        ByteBuf in = SuperPackets.tcp(false, 64_308, 12, 0x18, 5000, 7, 21);
        int length = in.writerIndex() - PREFIX;
        gro1450.offer(in, PREFIX, length, InnerChecksum.PARTIAL);
        gro1450.flush();
        assertThat(written1450).hasSize(1);
        assertThat(segmentCounts).containsExactly(1);
        ByteBuf out = written1450.get(0);
        // flags NEEDS_CSUM, gso TCPV4, hdr_len 52, gso_size 1450 - 52 = 1398, csum_start 20, csum_offset 16
        assertThat(io.netty.buffer.ByteBufUtil.hexDump(out, 0, VirtioNetHdr.LENGTH)).isEqualTo("0101340076051400" + "1000");
        assertThat(out).isEqualTo(expectedMerge(in, 1398));
        assertThat(gro1450.superPackets()).isEqualTo(1);
        assertThat(gro1450.mergedPackets()).isZero();
    }

    @Test
    void aSuperPacketWithACompleteChecksumGetsThePseudoHeaderSumForTheKernelToFinish() {
        ByteBuf in = SuperPackets.tcp(true, 30_000, 0, 0x19, 1, 0, 22); // ACK|PSH|FIN, IPv6
        int length = in.writerIndex() - PREFIX;
        ByteBuf expected = expectedMerge(in, 1450 - 60);
        // make the input's checksum complete, as a peer that finished it would send it
        int field = PREFIX + 40 + 16;
        in.setShort(field, 0);
        in.setShort(field, SuperPackets.naiveChecksum(in, PREFIX + 40, length - 40, SuperPackets.pseudo(in, PREFIX, length - 40)));
        assertThat(PartialChecksum.classify(in, PREFIX, length)).isEqualTo(InnerChecksum.VALID);
        gro1450.offer(in, PREFIX, length, InnerChecksum.VALID);
        assertThat(written1450).containsExactly(expected);
        assertThat((int) written1450.get(0).getUnsignedByte(1)).isEqualTo(VirtioNetHdr.GSO_TCPV6);
    }

    @Test
    void segmentsAfterASuperPacketOfTheSameFlowAreNotMergedIntoIt() {
        ByteBuf in = SuperPackets.tcp(false, 4 * 1398, 12, 0x10, 1000, 1, 23);
        Segments s = split(in, 1398);
        ByteBuf first = SuperPackets.tcp(false, 10_000, 12, 0x10, 1000 - 10_000, 1, 24);
        first.setInt(PREFIX + 20 + 8, in.getInt(PREFIX + 20 + 8)); // same ack
        gro1450.offer(first, PREFIX, first.writerIndex() - PREFIX, InnerChecksum.PARTIAL);
        for (int i = 0; i < s.count; i++) {
            gro1450.offer(s.out, s.ip(i), s.length(i));
        }
        gro1450.flush();
        assertThat(segmentCounts).containsExactly(1, s.count);
        assertThat(written1450.get(0).getUnsignedShortLE(4)).as("the super-packet's gso_size").isEqualTo(1398);
        assertThat(written1450.get(1).getUnsignedShortLE(4)).as("the run's gso_size").isEqualTo(1398);
    }

    @Test
    void aUdpPacketLongerThanTheMtuGoesOutAsItCame() {
        ByteBuf in = SuperPackets.udp(3000, 25);
        int length = in.writerIndex() - PREFIX;
        gro1450.offer(in, PREFIX, length);
        assertThat(written1450).hasSize(1);
        assertThat((int) written1450.get(0).getUnsignedByte(1)).isEqualTo(VirtioNetHdr.GSO_NONE);
        assertThat(gro1450.superPackets()).isZero();
    }
}
