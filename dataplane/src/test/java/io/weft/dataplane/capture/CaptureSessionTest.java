package io.weft.dataplane.capture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.dataplane.probe.EchoPackets;
import io.weft.vtep.Ethernet;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Vxlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The pcap a capture writes, read back byte by byte and by tshark, which must dissect VXLAN and the inner ICMP. */
class CaptureSessionTest {
    private static final int LOCAL = Ipv4.parse("198.51.100.1");
    private static final int PEER = Ipv4.parse("203.0.113.2");
    private static final int OTHER_PEER = Ipv4.parse("203.0.113.3");
    @TempDir
    Path dir;

    private static final long LOCAL6_HI = 0x2001_0db8_0000_0000L;
    private static final long LOCAL6_LO = 1;
    private static final long PEER6_HI = 0x2001_0db8_0000_0000L;
    private static final long PEER6_LO = 2;

    /** A VXLAN datagram (VNI 7) carrying an ICMP echo from 10.244.1.0 to 10.244.2.0, at offset 5 of its buffer. */
    private static ByteBuf vxlanDatagram() {
        return vxlanDatagram(EchoPackets.request(Ipv4.parse("10.244.1.0"), Ipv4.parse("10.244.2.0"), 0x4242, 9),
                Ethernet.TYPE_IPV4, 5);
    }

    /**
     * A VXLAN datagram of the IPv6 underlay (VNI 7) carrying an ICMPv6 echo from fd44:0:0:1:: to fd44:0:0:2:: in an
     * Ethernet frame of type 0x86DD, at offset 3 of its buffer.
     */
    private static ByteBuf vxlanDatagramV6() {
        return vxlanDatagram(EchoPackets.requestV6(0xfd44_0000_0000_0001L, 0, 0xfd44_0000_0000_0002L, 0, 0x4242, 11),
                Ethernet.TYPE_IPV6, 3);
    }

    private static ByteBuf vxlanDatagram(byte[] packet, int etherType, int at) {
        ByteBuf b = Unpooled.buffer();
        b.writerIndex(at);
        b.writeZero(Vxlan.HEADER_LENGTH + Ethernet.HEADER_LENGTH);
        Vxlan.write(b, at, 7);
        Ethernet.write(b, at + Vxlan.HEADER_LENGTH, 0x0e2a00000002L, 0x0e2a00000001L, etherType);
        b.writeBytes(packet);
        b.readerIndex(at);
        return b;
    }

    @Test
    void ipv6UnderlayPacketsAreRebuiltWithIpv6AndAValidUdpChecksumAndTsharkDissectsTheInnerIcmpv6() throws Exception {
        Path file = dir.resolve("outer6.pcap");
        CaptureSession s = new CaptureSession(new CaptureRequest(file, false, 0, Duration.ofSeconds(30), 2), LOCAL,
                LOCAL6_HI, LOCAL6_LO, 8472, () -> { });
        ByteBuf d = vxlanDatagramV6();
        s.onVxlanV6(PacketTap.OUTBOUND, d, d.readerIndex(), d.readableBytes(), PEER6_HI, PEER6_LO, 8472);
        s.onVxlanV6(PacketTap.INBOUND, d, d.readerIndex(), d.readableBytes(), PEER6_HI, PEER6_LO, 40000);
        assertThat(s.awaitFinished(10_000)).isTrue();
        assertThat(s.written()).isEqualTo(2);
        ByteBuffer pcap = ByteBuffer.wrap(Files.readAllBytes(file));
        pcap.position(24 + 8);
        assertThat(pcap.getInt()).as("captured length").isEqualTo(14 + 40 + 8 + d.readableBytes());
        assertThat(Tshark.fields(file, List.of("-d", "udp.port==8472,vxlan", "-o", "udp.check_checksum:TRUE"),
                "eth.type", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport", "udp.checksum.status", "vxlan.vni",
                "icmpv6.type", "icmpv6.echo.identifier")).containsExactly(
                "0x86dd,0x86dd|2001:db8::1,fd44:0:0:1::|2001:db8::2,fd44:0:0:2::|8472|8472|1|7|128|0x4242",
                "0x86dd,0x86dd|2001:db8::2,fd44:0:0:1::|2001:db8::1,fd44:0:0:2::|40000|8472|1|7|128|0x4242");
    }

    @Test
    void aPeerFilterTakesThatPeersIpv6UnderlayPacketsAndLeavesOthersOut() throws Exception {
        Path file = dir.resolve("inner6.pcap");
        // a dual-stack peer: its PublicIP and its PublicIPv6
        CaptureSession s = new CaptureSession(new CaptureRequest(file, true, PEER, Duration.ofSeconds(30), 0, PEER6_HI,
                PEER6_LO), LOCAL, LOCAL6_HI, LOCAL6_LO, 8472, () -> { });
        ByteBuf d6 = vxlanDatagramV6();
        ByteBuf d4 = vxlanDatagram();
        s.onVxlanV6(PacketTap.OUTBOUND, d6, d6.readerIndex(), d6.readableBytes(), PEER6_HI, 3, 8472); // another peer
        s.onVxlanV6(PacketTap.OUTBOUND, d6, d6.readerIndex(), d6.readableBytes(), PEER6_HI, PEER6_LO, 8472);
        s.onVxlan(PacketTap.OUTBOUND, d4, d4.readerIndex(), d4.readableBytes(), OTHER_PEER, 8472);
        s.onVxlan(PacketTap.OUTBOUND, d4, d4.readerIndex(), d4.readableBytes(), PEER, 8472);
        s.stop();
        assertThat(s.awaitFinished(10_000)).isTrue();
        assertThat(Tshark.fields(file, List.of(), "eth.type", "ipv6.dst", "ip.dst", "icmpv6.echo.sequence_number", "icmp.seq"))
                .containsExactly("0x86dd|fd44:0:0:2::||11|", "0x0800||10.244.2.0||9");

        // an IPv4-only peer filter leaves the IPv6 underlay out
        Path v4only = dir.resolve("v4only.pcap");
        CaptureSession s4 = new CaptureSession(new CaptureRequest(v4only, true, PEER, Duration.ofSeconds(30), 0), LOCAL,
                LOCAL6_HI, LOCAL6_LO, 8472, () -> { });
        s4.onVxlanV6(PacketTap.OUTBOUND, d6, d6.readerIndex(), d6.readableBytes(), 0, 0, 8472);
        s4.stop();
        assertThat(s4.awaitFinished(10_000)).isTrue();
        assertThat(s4.written()).isZero();
    }

    private CaptureSession capture(Path file, boolean inner, int peer, long count, AtomicInteger finished) throws Exception {
        return new CaptureSession(new CaptureRequest(file, inner, peer, Duration.ofSeconds(30), count), LOCAL, 8472,
                finished::incrementAndGet);
    }

    @Test
    void outerPacketsAreRebuiltWithUdpAndVxlanAndStopAtTheCount() throws Exception {
        Path file = dir.resolve("outer.pcap");
        AtomicInteger finished = new AtomicInteger();
        CaptureSession s = capture(file, false, 0, 2, finished);
        ByteBuf d = vxlanDatagram();
        s.onVxlan(PacketTap.OUTBOUND, d, d.readerIndex(), d.readableBytes(), PEER, 8472);
        s.onVxlan(PacketTap.INBOUND, d, d.readerIndex(), d.readableBytes(), PEER, 40000);
        s.onVxlan(PacketTap.INBOUND, d, d.readerIndex(), d.readableBytes(), PEER, 40000); // beyond the count
        assertThat(s.awaitFinished(10_000)).isTrue();
        assertThat(finished.get()).isEqualTo(1);
        assertThat(s.written()).isEqualTo(2);

        ByteBuffer pcap = ByteBuffer.wrap(Files.readAllBytes(file));
        assertThat(pcap.getInt()).isEqualTo(0xa1b2c3d4);
        pcap.position(20);
        assertThat(pcap.getInt()).as("linktype").isEqualTo(1);
        pcap.position(24 + 8);
        int captured = pcap.getInt();
        assertThat(captured).isEqualTo(pcap.getInt()).isEqualTo(42 + d.readableBytes());
        int frame = pcap.position();
        assertThat(pcap.getInt(frame + 14 + 12)).as("outbound source = our underlay address").isEqualTo(LOCAL);
        assertThat(pcap.getInt(frame + 14 + 16)).isEqualTo(PEER);
        assertThat(pcap.getShort(frame + 34 + 2) & 0xFFFF).isEqualTo(8472);

        assertThat(Tshark.fields(file, List.of("-d", "udp.port==8472,vxlan"), "ip.src", "ip.dst", "udp.srcport",
                "udp.dstport", "vxlan.vni", "icmp.type", "icmp.ident")).containsExactly(
                "198.51.100.1,10.244.1.0|203.0.113.2,10.244.2.0|8472|8472|7|8|16962",
                "203.0.113.2,10.244.1.0|198.51.100.1,10.244.2.0|40000|8472|7|8|16962");
    }

    @Test
    void innerFramesForOnePeerOnly() throws Exception {
        Path file = dir.resolve("inner.pcap");
        AtomicInteger finished = new AtomicInteger();
        CaptureSession s = capture(file, true, PEER, 0, finished);
        ByteBuf d = vxlanDatagram();
        s.onVxlan(PacketTap.OUTBOUND, d, d.readerIndex(), d.readableBytes(), OTHER_PEER, 8472);
        s.onVxlan(PacketTap.OUTBOUND, d, d.readerIndex(), d.readableBytes(), PEER, 8472);
        s.stop();
        assertThat(s.awaitFinished(10_000)).isTrue();
        assertThat(s.written()).isEqualTo(1);
        assertThat(Tshark.fields(file, List.of(), "eth.src", "ip.src", "ip.dst", "icmp.type", "icmp.seq")).containsExactly("0e:2a:00:00:00:01|10.244.1.0|10.244.2.0|8|9");
    }

    @Test
    void aRelativePathOrABadDurationIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CaptureRequest(Path.of("x.pcap"), false, 0,
                Duration.ofSeconds(5), 0)).hasMessageContaining("absolute path");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CaptureRequest(dir.resolve("x.pcap"), false, 0,
                Duration.ofHours(2), 0)).hasMessageContaining("1 s .. 1 h");
    }
}
