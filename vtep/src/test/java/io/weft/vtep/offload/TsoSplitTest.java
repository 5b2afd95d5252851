package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static io.weft.vtep.offload.SuperPackets.PREFIX;
import static org.assertj.core.api.Assertions.assertThat;

class TsoSplitTest {

    /** Splits and checks every segment field by field against the super-packet, checksums by the naive sums. */
    private static ByteBuf splitAndCheck(ByteBuf in, int gsoType, int gsoSize, int expectedSegments) {
        int ip = PREFIX;
        int length = in.writerIndex() - ip;
        boolean v6 = (in.getUnsignedByte(ip) >> 4) == 6;
        int ipHeader = v6 ? 40 : 20;
        boolean tcp = gsoType != VirtioNetHdr.GSO_UDP_L4;
        int l4Header = tcp ? (in.getUnsignedByte(ip + ipHeader + 12) >> 4) * 4 : 8;
        int header = ipHeader + l4Header;
        assertThat(TsoSplit.headerLength(in, ip, length, gsoType)).isEqualTo(header);
        int outLength = TsoSplit.outputLength(length, header, gsoSize, PREFIX);
        ByteBuf out = Unpooled.directBuffer(outLength);
        int n = TsoSplit.split(in, ip, length, gsoType, gsoSize, PREFIX, out, 0);
        assertThat(n).isEqualTo(expectedSegments);
        int payload = length - header;
        int originalFlags = tcp ? in.getUnsignedByte(ip + ipHeader + 13) : 0;
        int stride = PREFIX + header + gsoSize;
        for (int i = 0; i < n; i++) {
            int at = i * stride;
            int segPayload = i == n - 1 ? payload - i * gsoSize : gsoSize;
            int sIp = at + PREFIX;
            int segLength = header + segPayload;
            assertThat(out.slice(at, PREFIX)).as("prefix of segment %d", i).isEqualTo(in.slice(0, PREFIX));
            assertThat(out.slice(sIp + header, segPayload)).as("payload of segment %d", i)
                    .isEqualTo(in.slice(ip + header + i * gsoSize, segPayload));
            if (v6) {
                assertThat(out.getUnsignedShort(sIp + 4)).isEqualTo(segLength - 40);
                assertThat(out.slice(sIp, 4)).isEqualTo(in.slice(ip, 4));
            } else {
                assertThat(out.getUnsignedShort(sIp + 2)).as("IPv4 total length").isEqualTo(segLength);
                assertThat(out.getUnsignedShort(sIp + 4)).as("IPv4 ID").isEqualTo((in.getUnsignedShort(ip + 4) + i) & 0xFFFF);
                assertThat(SuperPackets.ipv4HeaderChecksumOk(out, sIp)).as("IPv4 header checksum of %d", i).isTrue();
            }
            int l4 = sIp + ipHeader;
            if (tcp) {
                long seq = (in.getUnsignedInt(ip + ipHeader + 4) + (long) i * gsoSize) & 0xFFFF_FFFFL;
                assertThat(out.getUnsignedInt(l4 + 4)).as("sequence of %d", i).isEqualTo(seq);
                int flags = out.getUnsignedByte(l4 + 13);
                int expected = originalFlags;
                if (i < n - 1) {
                    expected &= ~(SuperPackets.TCP_FLAG_FIN | SuperPackets.TCP_FLAG_PSH);
                }
                if (i > 0) {
                    expected &= ~SuperPackets.TCP_FLAG_CWR;
                }
                assertThat(flags).as("flags of segment %d", i).isEqualTo(expected);
                assertThat(out.slice(l4 + 20, l4Header - 20)).as("options").isEqualTo(in.slice(ip + ipHeader + 20, l4Header - 20));
            } else {
                assertThat(out.getUnsignedShort(l4 + 4)).as("UDP length").isEqualTo(8 + segPayload);
            }
            assertThat(SuperPackets.l4ChecksumOk(out, sIp, segLength)).as("L4 checksum of segment %d", i).isTrue();
        }
        return out;
    }

    @Test
    void ipv4WithTimestampsSplitsIntoMssSegmentsWithFinAndPshOnlyOnTheLast() {
        ByteBuf in = SuperPackets.tcp(false, 10_000, 12, 0x10 | 0x08 | 0x01, 0xFFFF_F000L, 0xFFFE, 1);
        splitAndCheck(in, VirtioNetHdr.GSO_TCPV4, 1398, 8);
    }

    @Test
    void ipv6WithOddMssAndOddLengthSplitsCorrectly() {
        ByteBuf in = SuperPackets.tcp(true, 4001, 12, 0x10 | 0x08, 12345, 0, 2);
        splitAndCheck(in, VirtioNetHdr.GSO_TCPV6, 1377, 3);
    }

    @Test
    void cwrStaysOnlyOnTheFirstSegment() {
        ByteBuf in = SuperPackets.tcp(false, 3000, 0, 0x80 | 0x10, 7, 9, 3);
        splitAndCheck(in, VirtioNetHdr.GSO_TCPV4, 1000, 3);
    }

    @Test
    void aPayloadOfExactlyOneMssIsOneSegment() {
        ByteBuf in = SuperPackets.tcp(false, 1398, 12, 0x18, 7, 9, 4);
        splitAndCheck(in, VirtioNetHdr.GSO_TCPV4, 1398, 1);
    }

    @Test
    void aFullSizeSuperPacketSplitsIntoFortySevenSegments() {
        ByteBuf in = SuperPackets.tcp(false, 65535 - 20 - 32, 12, 0x18, 99, 1, 5);
        splitAndCheck(in, VirtioNetHdr.GSO_TCPV4, 1398, 47);
    }

    @Test
    void udpSuperPacketsSplitIntoDatagramsWithTheirOwnLengthsAndChecksums() {
        ByteBuf in = SuperPackets.udp(3 * 1200 + 7, 6);
        splitAndCheck(in, VirtioNetHdr.GSO_UDP_L4, 1200, 4);
    }

    @Test
    void aPacketThatIsNotWhatItsGsoTypeSaysIsRefused() {
        ByteBuf udp = SuperPackets.udp(3000, 7);
        ByteBuf out = Unpooled.directBuffer(10_000);
        assertThat(TsoSplit.split(udp, PREFIX, udp.writerIndex() - PREFIX, VirtioNetHdr.GSO_TCPV4, 1000, PREFIX, out, 0))
                .isEqualTo(TsoSplit.MALFORMED);
        ByteBuf v4 = SuperPackets.tcp(false, 3000, 0, 0x10, 1, 1, 8);
        assertThat(TsoSplit.headerLength(v4, PREFIX, v4.writerIndex() - PREFIX, VirtioNetHdr.GSO_TCPV6))
                .isEqualTo(TsoSplit.MALFORMED);
        assertThat(TsoSplit.headerLength(v4, PREFIX, v4.writerIndex() - PREFIX - 1, VirtioNetHdr.GSO_TCPV4))
                .as("length disagrees with the IPv4 total length").isEqualTo(TsoSplit.MALFORMED);
        assertThat(TsoSplit.split(v4, PREFIX, v4.writerIndex() - PREFIX, VirtioNetHdr.GSO_TCPV4, 0, PREFIX, out, 0))
                .as("gso_size 0").isEqualTo(TsoSplit.MALFORMED);
    }

    @Test
    void aPartialChecksumIsCompleted() {
        ByteBuf in = SuperPackets.tcp(false, 999, 12, 0x18, 5, 5, 9);
        int length = in.writerIndex() - PREFIX;
        assertThat(SuperPackets.l4ChecksumOk(in, PREFIX, length)).as("partial before").isFalse();
        assertThat(VirtioNetHdr.completeChecksum(in, PREFIX, length, 20, 16)).isTrue();
        assertThat(SuperPackets.l4ChecksumOk(in, PREFIX, length)).isTrue();
        assertThat(VirtioNetHdr.completeChecksum(in, PREFIX, length, length - 1, 16)).as("offsets outside").isFalse();
    }

    @Test
    void theVirtioHeaderIsLittleEndian() {
        ByteBuf b = Unpooled.buffer(10);
        VirtioNetHdr.write(b, 0, VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_TCPV4, 52, 1398, 20, 16);
        b.writerIndex(10);
        assertThat(io.netty.buffer.ByteBufUtil.hexDump(b)).isEqualTo("0101" + "3400" + "7605" + "1400" + "1000");
        assertThat(VirtioNetHdr.gsoSize(b, 0)).isEqualTo(1398);
        assertThat(VirtioNetHdr.csumStart(b, 0)).isEqualTo(20);
    }
}
