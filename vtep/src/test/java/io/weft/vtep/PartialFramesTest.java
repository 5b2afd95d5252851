package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.vtep.offload.InnerChecksum;
import io.weft.vtep.offload.PartialChecksum;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Frames from a kernel flannel host whose veth keeps its default offloads, as weft receives them from such a peer.
 *
 * <p>The fixtures ({@code src/test/resources/golden/partial-*.pcap}, made by {@code scripts/lab/capture-partial})
 * hold what a kernel {@code flannel.1} / {@code flannel-v6.1} sent: a short TCP connection (SYN, ACK, data, FIN,
 * ACK) and one UDP datagram. Every inner TCP/UDP checksum in them is partial; {@code tcpdump -vv} reads them as, for
 * the IPv4 SYN, {@code cksum 0x1916 (incorrect -> 0x8d20)}. The outer UDP checksum was computed by the sender for the
 * completed inner packet (local checksum offload), so it verifies only once the inner checksum is completed: that
 * makes it an independent witness that the completion is exactly the kernel's.
 */
class PartialFramesTest {
    private static final int OUTER_ETH = 14;
    private static final int OUTER_IPV4 = 20;
    private static final int OUTER_IPV6 = 40;

    record Capture(String file, boolean ipv6, int[] rightChecksums) {
        @Override
        public String toString() {
            return file;
        }
    }

    static Stream<Capture> captures() {
        // What tcpdump 4.99.3 says each inner checksum should be ("incorrect -> 0x...").
        return Stream.of(
                new Capture("partial-ipv4.pcap", false, new int[] {0x8d20, 0x50b5, 0x9726, 0x50a4, 0x50a1, 0x690f}),
                new Capture("partial-ipv6.pcap", true, new int[] {0xa07b, 0xa342, 0xe9b3, 0xa331, 0xa32e, 0x8768}));
    }

    private static int innerIp(Capture c) {
        return OUTER_ETH + (c.ipv6() ? OUTER_IPV6 : OUTER_IPV4) + Udp.HEADER_LENGTH + VxlanEncap.OVERHEAD;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void everyKernelFrameIsPartialAndCompletesToTheChecksumTcpdumpExpects(Capture c) {
        List<byte[]> frames = Pcap.readResource("/golden/" + c.file());
        assertThat(frames).as("SYN, ACK, data, FIN, ACK, UDP").hasSize(c.rightChecksums().length);
        for (int f = 0; f < frames.size(); f++) {
            byte[] frame = frames.get(f);
            ByteBuf k = Unpooled.directBuffer(frame.length).writeBytes(frame);
            try {
                int ip = innerIp(c);
                int length = Ip.packetLength(k, ip);
                assertThat(ip + length).isEqualTo(frame.length);
                assertThat(Ip.protocol(k, ip)).isIn(Ip.PROTO_TCP, Ip.PROTO_UDP);
                assertThat(Checksum.verifyL4(k, ip)).as("frame %d as sent: the inner checksum is not final", f).isFalse();
                assertThat(Checksum.verifyL4(k, OUTER_ETH)).as("frame %d: nor is the outer one yet", f).isFalse();

                assertThat(PartialChecksum.classify(k, ip, length)).as("frame %d", f).isEqualTo(InnerChecksum.PARTIAL);
                assertThat(PartialChecksum.isPartial(k, ip, length)).isTrue();
                assertThat(PartialChecksum.csumStart(k, ip, length)).isEqualTo(c.ipv6() ? 40 : 20);

                assertThat(PartialChecksum.complete(k, ip, length)).isTrue();

                int field = ip + PartialChecksum.csumStart(k, ip, length) + PartialChecksum.csumOffset(k, ip, length);
                assertThat(k.getUnsignedShort(field)).as("frame %d", f).isEqualTo(c.rightChecksums()[f]);
                assertThat(Checksum.verifyL4(k, ip)).as("frame %d: inner checksum after completion", f).isTrue();
                assertThat(PartialChecksum.classify(k, ip, length)).isEqualTo(InnerChecksum.VALID);
                assertThat(Checksum.verifyL4(k, OUTER_ETH)).as("frame %d: the sender's outer checksum now verifies", f)
                        .isTrue();
            } finally {
                k.release();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void aDamagedKernelFrameIsNeitherValidNorPartial(Capture c) {
        for (byte[] frame : Pcap.readResource("/golden/" + c.file())) {
            ByteBuf k = Unpooled.wrappedBuffer(frame.clone());
            int ip = innerIp(c);
            int length = Ip.packetLength(k, ip);
            int field = ip + PartialChecksum.csumStart(k, ip, length) + PartialChecksum.csumOffset(k, ip, length);
            k.setByte(field + 1, k.getByte(field + 1) ^ 0x04);
            assertThat(PartialChecksum.classify(k, ip, length)).isEqualTo(InnerChecksum.BAD);
        }
    }
}
