package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Frames weft builds must be the frames a kernel flannel.1 device builds.
 *
 * <p>The fixtures in {@code src/test/resources/golden/} were captured once by {@code scripts/lab/capture-golden}
 * (see the README there): two network namespaces joined by a veth, each with a kernel VXLAN device set up exactly
 * as flanneld sets up {@code flannel.1} (and {@code flannel-v6.1}), exchanging an ICMP echo, a UDP datagram and a
 * TCP SYN (and the peer's answers: echo reply, port unreachable, RST), recorded on the veth with checksum offload
 * off so that every checksum in the file is final.
 *
 * <p>For each captured frame the test takes the inner IP packet, runs {@link VxlanEncap} on it, adds outer
 * UDP/IP headers with {@link Udp} and {@link Ipv4}/{@link Ipv6} (TTL 64, DF clear, TOS from the inner ECN, as
 * "ttl auto"/"tos 0" devices send) and compares. The only fields allowed to differ are the ones the kernel
 * varies: the outer IPv4 ID (hence the IPv4 header checksum) and the UDP source port (a per-boot seeded flow
 * hash; hence the UDP checksum). With the kernel's ID and port put in, the whole frame must be equal, which also
 * proves our checksums are the kernel's.
 */
class GoldenFramesTest {
    private static final long MAC_A = MacAddress.parse("02:77:09:00:00:01").bits();
    private static final long MAC_B = MacAddress.parse("02:77:09:00:00:02").bits();
    private static final long MAC6_A = MacAddress.parse("02:77:09:00:06:01").bits();
    private static final long MAC6_B = MacAddress.parse("02:77:09:00:06:02").bits();
    private static final byte[] UNDERLAY_A = address("10.77.9.1");
    private static final byte[] UNDERLAY_B = address("10.77.9.2");
    private static final byte[] UNDERLAY6_A = address("fd77:9::1");
    private static final byte[] UNDERLAY6_B = address("fd77:9::2");
    private static final int VNI = 1;
    private static final int TTL_AUTO = 64;
    private static final int OUTER_ETH = 14;

    record Capture(String file, int port, boolean ipv6Underlay, long macA, long macB) {
        @Override
        public String toString() {
            return file;
        }
    }

    static Stream<Capture> captures() {
        return Stream.of(
                new Capture("ipv4-8472.pcap", 8472, false, MAC_A, MAC_B),
                new Capture("ipv4-8475.pcap", 8475, false, MAC_A, MAC_B),
                new Capture("ipv6-8472.pcap", 8472, true, MAC6_A, MAC6_B));
    }

    /** Where things are in one captured frame, read with plain byte offsets. */
    record Layout(int outerIpLength, int udp, int vxlan, int innerIp, int innerLength, boolean fromA) {
        static Layout of(byte[] frame, Capture c) {
            int outerIpLength = c.ipv6Underlay() ? 40 : (frame[OUTER_ETH] & 0x0F) * 4;
            int udp = OUTER_ETH + outerIpLength;
            byte[] src = new byte[c.ipv6Underlay() ? 16 : 4];
            System.arraycopy(frame, OUTER_ETH + (c.ipv6Underlay() ? 8 : 12), src, 0, src.length);
            boolean fromA = java.util.Arrays.equals(src, c.ipv6Underlay() ? UNDERLAY6_A : UNDERLAY_A);
            return new Layout(outerIpLength, udp, udp + 8, udp + 8 + 22, frame.length - (udp + 8 + 22), fromA);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void weftBuildsTheKernelsFrameForEveryCapturedInnerPacket(Capture c) {
        List<byte[]> frames = Pcap.readResource("/golden/" + c.file());
        assertThat(frames).as("echo, echo reply, udp, port unreachable, syn, rst").hasSize(6);
        for (byte[] kernel : frames) {
            Layout at = Layout.of(kernel, c);
            ByteBuf w = Unpooled.directBuffer(2048);
            try {
                int ethIndex = buildWeftFrame(w, kernel, at, c);
                byte[] ours = ByteBufUtil.getBytes(w, ethIndex, kernel.length);

                Set<Integer> varied = c.ipv6Underlay()
                        ? Set.of(at.udp(), at.udp() + 1, at.udp() + 6, at.udp() + 7)
                        : Set.of(OUTER_ETH + 4, OUTER_ETH + 5, OUTER_ETH + 10, OUTER_ETH + 11,
                                 at.udp(), at.udp() + 1, at.udp() + 6, at.udp() + 7);
                for (int i = 0; i < kernel.length; i++) {
                    if (!varied.contains(i)) {
                        assertThat(ours[i]).as("%s frame %s byte %d (kernel %s, weft %s)", c, frames.indexOf(kernel), i,
                                hex(kernel), hex(ours)).isEqualTo(kernel[i]);
                    }
                }

                // Put in the kernel's IPv4 ID and UDP source port: now every byte must match, checksums included.
                int ipIndex = ethIndex + OUTER_ETH;
                int udpIndex = ethIndex + at.udp();
                if (!c.ipv6Underlay()) {
                    Ipv4.setId(w, ipIndex, ((kernel[OUTER_ETH + 4] & 0xFF) << 8) | (kernel[OUTER_ETH + 5] & 0xFF));
                    Ipv4.fillHeaderChecksum(w, ipIndex);
                }
                Udp.setSrcPort(w, udpIndex, ((kernel[at.udp()] & 0xFF) << 8) | (kernel[at.udp() + 1] & 0xFF));
                Checksum.fillL4(w, ipIndex);
                assertThat(hex(ByteBufUtil.getBytes(w, ethIndex, kernel.length))).as("%s, with the kernel's id and port", c)
                        .isEqualTo(hex(kernel));
            } finally {
                w.release();
            }
        }
    }

    /** Writes weft's version of {@code kernel} into {@code w}; returns the index of its first (outer Ethernet) byte. */
    private static int buildWeftFrame(ByteBuf w, byte[] kernel, Layout at, Capture c) {
        int ip = 256;
        w.setBytes(ip, kernel, at.innerIp(), at.innerLength());
        long src = at.fromA() ? c.macA() : c.macB();
        long dst = at.fromA() ? c.macB() : c.macA();
        int payload = VxlanEncap.encapsulate(w, ip, VNI, src, dst);
        assertThat(payload).isEqualTo(ip - VxlanEncap.OVERHEAD);

        int sourcePort = VxlanEncap.sourcePort(w, ip, at.innerLength(), FlowHash.DEFAULT_MIN_PORT, FlowHash.DEFAULT_MAX_PORT);
        int udpLength = Udp.HEADER_LENGTH + VxlanEncap.OVERHEAD + at.innerLength();
        int udp = payload - Udp.HEADER_LENGTH;
        Udp.write(w, udp, sourcePort, c.port(), udpLength);
        int outerIp = udp - at.outerIpLength();
        int tos = VxlanEncap.outerTrafficClass(w, ip);
        byte[] from = c.ipv6Underlay() ? (at.fromA() ? UNDERLAY6_A : UNDERLAY6_B) : (at.fromA() ? UNDERLAY_A : UNDERLAY_B);
        byte[] to = c.ipv6Underlay() ? (at.fromA() ? UNDERLAY6_B : UNDERLAY6_A) : (at.fromA() ? UNDERLAY_B : UNDERLAY_A);
        if (c.ipv6Underlay()) {
            ByteBuffer f = ByteBuffer.wrap(from);
            ByteBuffer t = ByteBuffer.wrap(to);
            Ipv6.write(w, outerIp, tos, 0, udpLength, Ip.PROTO_UDP, TTL_AUTO, f.getLong(0), f.getLong(8), t.getLong(0), t.getLong(8));
        } else {
            Ipv4.write(w, outerIp, tos, Ipv4.MIN_HEADER_LENGTH + udpLength, 0, 0, TTL_AUTO, Ip.PROTO_UDP,
                    ByteBuffer.wrap(from).getInt(), ByteBuffer.wrap(to).getInt());
        }
        assertThat(Checksum.fillL4(w, outerIp)).isNotZero();
        // The underlay Ethernet header comes from the kernel's neighbour table, not from weft: copy it.
        int eth = outerIp - OUTER_ETH;
        w.setBytes(eth, kernel, 0, OUTER_ETH);
        return eth;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void everyChecksumTheKernelWroteVerifies(Capture c) {
        for (byte[] kernel : Pcap.readResource("/golden/" + c.file())) {
            Layout at = Layout.of(kernel, c);
            ByteBuf k = Unpooled.wrappedBuffer(kernel);
            if (!c.ipv6Underlay()) {
                assertThat(Ipv4.verifyHeaderChecksum(k, OUTER_ETH)).as("outer IPv4 header checksum").isTrue();
                assertThat(Ipv4.computeHeaderChecksum(k, OUTER_ETH)).isEqualTo(Ipv4.headerChecksum(k, OUTER_ETH));
            }
            assertThat(Udp.checksum(k, at.udp())).as("udpcsum: the kernel computes the outer UDP checksum").isNotZero();
            assertThat(Checksum.verifyL4(k, OUTER_ETH)).as("outer UDP checksum").isTrue();
            if (Ip.version(k, at.innerIp()) == 4) {
                assertThat(Ipv4.verifyHeaderChecksum(k, at.innerIp())).as("inner IPv4 header checksum").isTrue();
            }
            assertThat(Checksum.verifyL4(k, at.innerIp())).as("inner L4 checksum, protocol %d", Ip.protocol(k, at.innerIp()))
                    .isTrue();

            // Flip one payload bit: the same code must now reject it.
            byte[] damaged = kernel.clone();
            damaged[damaged.length - 1] ^= 0x01;
            assertThat(Checksum.verifyL4(Unpooled.wrappedBuffer(damaged), OUTER_ETH)).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void decapAcceptsEveryCapturedFrameAndYieldsExactlyTheInnerPacket(Capture c) {
        for (byte[] kernel : Pcap.readResource("/golden/" + c.file())) {
            Layout at = Layout.of(kernel, c);
            ByteBuf k = Unpooled.wrappedBuffer(kernel);
            long receiver = at.fromA() ? c.macB() : c.macA();
            long sender = at.fromA() ? c.macA() : c.macB();
            int payloadLength = Udp.length(k, at.udp()) - Udp.HEADER_LENGTH;
            assertThat(Udp.dstPort(k, at.udp())).isEqualTo(c.port());

            int inner = VxlanDecap.check(k, at.vxlan(), payloadLength, VNI, receiver);
            assertThat(inner).as("decap of a kernel frame").isEqualTo(at.innerIp());
            assertThat(Ip.packetLength(k, inner)).isEqualTo(at.innerLength());
            assertThat(Vxlan.vni(k, at.vxlan())).isEqualTo(VNI);
            assertThat(Vxlan.flags(k, at.vxlan())).isEqualTo(Vxlan.FLAG_I);

            assertThat(DecapDrop.reason(VxlanDecap.check(k, at.vxlan(), payloadLength, VNI, sender)))
                    .as("the sender receiving its own frame").isEqualTo(DecapDrop.LOOP);
            assertThat(DecapDrop.reason(VxlanDecap.check(k, at.vxlan(), payloadLength, 2, receiver)))
                    .isEqualTo(DecapDrop.WRONG_VNI);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void kernelAndWeftSourcePortsComeFromTheSameRange(Capture c) {
        for (byte[] kernel : Pcap.readResource("/golden/" + c.file())) {
            Layout at = Layout.of(kernel, c);
            ByteBuf k = Unpooled.wrappedBuffer(kernel);
            assertThat(Udp.srcPort(k, at.udp())).isBetween(FlowHash.DEFAULT_MIN_PORT, FlowHash.DEFAULT_MAX_PORT - 1);
            assertThat(VxlanEncap.sourcePort(k, at.innerIp(), at.innerLength(), FlowHash.DEFAULT_MIN_PORT,
                    FlowHash.DEFAULT_MAX_PORT)).isBetween(FlowHash.DEFAULT_MIN_PORT, FlowHash.DEFAULT_MAX_PORT - 1);
        }
    }

    private static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return ByteBufUtil.hexDump(bytes);
    }
}
