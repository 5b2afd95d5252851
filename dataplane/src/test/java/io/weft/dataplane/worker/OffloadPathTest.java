package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import io.weft.dataplane.tun.TunQueue;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.TableScope;
import io.weft.fdb.path.WeftAdvert;
import io.weft.vtep.Checksum;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Tcp;
import io.weft.vtep.Vxlan;
import io.weft.vtep.VxlanEncap;
import io.weft.vtep.offload.PartialChecksum;
import io.weft.vtep.offload.VirtioNetHdr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.weft.dataplane.worker.TwoHosts.MAC_A;
import static io.weft.dataplane.worker.TwoHosts.MAC_B;
import static io.weft.dataplane.worker.TwoHosts.POD_A;
import static io.weft.dataplane.worker.TwoHosts.POD_B;
import static io.weft.dataplane.worker.TwoHosts.PUBLIC_A;
import static io.weft.dataplane.worker.TwoHosts.VNI;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The offload path without root: the virtio_net_hdr TUN queue of each host reads from and writes to a pipe instead of
 * a TUN device. A TCP super-packet that host A's kernel would hand out leaves A as MSS segments, and arrives at B's
 * TUN merged back into one GSO packet with the same bytes.
 */
@Timeout(30)
class OffloadPathTest {
    private static final int MSS = 1000;
    private static final int SEGMENTS = 3;
    private static final int HEADERS = Ipv4.MIN_HEADER_LENGTH + Tcp.MIN_HEADER_LENGTH;
    private static final long SEQ = 1_000_000L;

    private final List<FileDescriptor> fds = new ArrayList<>();
    private FileDescriptor intoA;
    private FileDescriptor outOfB;
    private TwoHosts.Host<TunQueue> a;
    private TwoHosts.Host<TunQueue> b;

    @BeforeEach
    void pipes() throws IOException {
        Epoll.ensureAvailability(); // loads Netty's native code, which the pipes and the queues use
        FileDescriptor[] toA = pipe();
        FileDescriptor[] fromB = pipe();
        intoA = toA[1];
        outOfB = fromB[0];
        a = TwoHosts.hostA(c -> TunQueue.open(toA[0], true, 1450, PooledByteBufAllocator.DEFAULT, c));
        b = TwoHosts.hostB(c -> TunQueue.open(fromB[1], true, 1450, PooledByteBufAllocator.DEFAULT, c));
    }

    private FileDescriptor[] pipe() throws IOException {
        FileDescriptor[] p = FileDescriptor.pipe();
        fds.add(p[0]);
        fds.add(p[1]);
        return p;
    }

    @AfterEach
    void close() throws IOException {
        a.worker.close();
        b.worker.close();
        for (FileDescriptor fd : fds) {
            fd.close();
        }
    }

    /** An IPv4 TCP packet from pod A to pod B with {@code payload} bytes (byte i of the stream is i), checksums valid. */
    private static ByteBuf tcp(int payload, long seq, int flags) {
        int length = HEADERS + payload;
        ByteBuf p = Unpooled.buffer(length);
        p.setZero(0, length);
        Ipv4.write(p, 0, 0, length, 42, 0x4000, 64, Ip.PROTO_TCP, POD_A, POD_B);
        int tcp = Ipv4.MIN_HEADER_LENGTH;
        p.setShort(tcp, 40000);
        p.setShort(tcp + 2, 5201);
        p.setInt(tcp + 4, (int) seq);
        p.setInt(tcp + 8, 77);
        p.setByte(tcp + 12, (Tcp.MIN_HEADER_LENGTH / 4) << 4);
        p.setByte(tcp + 13, flags);
        p.setShort(tcp + 14, 65535);
        for (int i = 0; i < payload; i++) {
            p.setByte(HEADERS + i, (int) (seq - SEQ + i));
        }
        Checksum.fillL4(p, 0);
        p.writerIndex(length);
        return p;
    }

    @Test
    void aSuperPacketLeavesAsSegmentsAndArrivesMergedWithTheSameBytes() throws IOException {
        ByteBuf superPacket = tcp(SEGMENTS * MSS, SEQ, Tcp.FLAG_ACK | Tcp.FLAG_PSH);
        ByteBuf read = Unpooled.directBuffer(VirtioNetHdr.LENGTH + superPacket.readableBytes());
        VirtioNetHdr.write(read, 0, VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_TCPV4, HEADERS, MSS,
                Ipv4.MIN_HEADER_LENGTH, Tcp.CHECKSUM_OFFSET);
        read.setBytes(VirtioNetHdr.LENGTH, superPacket, 0, superPacket.readableBytes());
        read.writerIndex(VirtioNetHdr.LENGTH + superPacket.readableBytes());
        intoA.writeAddress(read.memoryAddress(), 0, read.writerIndex());

        a.worker.drainTun();

        assertThat(a.sender.sent).hasSize(SEGMENTS);
        assertThat(a.sender.flushes).isEqualTo(1);
        byte[][] datagrams = new byte[SEGMENTS][];
        for (int i = 0; i < SEGMENTS; i++) {
            FakeSender.Sent s = a.sender.sent.get(i);
            assertThat(s.gsoStride()).isEqualTo(VxlanEncap.OVERHEAD + HEADERS + MSS);
            ByteBuf d = Unpooled.wrappedBuffer(s.payload());
            assertThat(Vxlan.vni(d, 0)).isEqualTo(VNI);
            int ip = VxlanEncap.OVERHEAD;
            assertThat(Ipv4.totalLength(d, ip)).isEqualTo(HEADERS + MSS);
            assertThat(Tcp.sequence(d, ip + Ipv4.MIN_HEADER_LENGTH)).isEqualTo(SEQ + (long) i * MSS);
            assertThat(Checksum.verifyL4(d, ip)).as("segment %d's TCP checksum", i).isTrue();
            assertThat(Ipv4.verifyHeaderChecksum(d, ip)).isTrue();
            datagrams[i] = s.payload();
        }
        assertThat(a.count(Counter.TX_SUPER_PACKETS)).isEqualTo(1);
        assertThat(a.count(Counter.TX_PACKETS)).isEqualTo(SEGMENTS);
        assertThat(a.count(Counter.TX_BYTES)).isEqualTo(SEGMENTS * (HEADERS + MSS));

        b.receive(PUBLIC_A, datagrams);

        ByteBuf written = Unpooled.directBuffer(128 * 1024);
        int n = outOfB.readAddress(written.memoryAddress(), 0, written.capacity());
        assertThat(n).isEqualTo(VirtioNetHdr.LENGTH + superPacket.readableBytes());
        assertThat(VirtioNetHdr.gsoType(written, 0)).isEqualTo(VirtioNetHdr.GSO_TCPV4);
        assertThat(VirtioNetHdr.gsoSize(written, 0)).isEqualTo(MSS);
        ByteBuf merged = written.slice(VirtioNetHdr.LENGTH, n - VirtioNetHdr.LENGTH);
        assertThat(ByteBufUtil.getBytes(merged, HEADERS, SEGMENTS * MSS))
                .isEqualTo(ByteBufUtil.getBytes(superPacket, HEADERS, SEGMENTS * MSS));
        assertThat(Ipv4.totalLength(merged, 0)).isEqualTo(superPacket.readableBytes());
        assertThat(b.count(Counter.RX_PACKETS)).isEqualTo(SEGMENTS);
        assertThat(b.count(Counter.RX_MERGED_PACKETS)).isEqualTo(1);
        assertThat(b.count(Counter.RX_BYTES)).isEqualTo(superPacket.readableBytes());
        written.release();
        read.release();
    }

    @Test
    void aPlainPacketWithAPartialChecksumLeavesWithItFinished() throws IOException {
        ByteBuf packet = tcp(100, SEQ, Tcp.FLAG_ACK);
        int tcp = Ipv4.MIN_HEADER_LENGTH;
        int good = Tcp.checksum(packet, tcp);
        // What the kernel hands out with NEEDS_CSUM: only the pseudo-header sum in the field.
        packet.setShort(tcp + Tcp.CHECKSUM_OFFSET, Checksum.fold(Checksum.pseudoHeader(packet, 0)));
        ByteBuf read = Unpooled.directBuffer(VirtioNetHdr.LENGTH + packet.readableBytes());
        VirtioNetHdr.write(read, 0, VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_NONE, 0, 0, tcp, Tcp.CHECKSUM_OFFSET);
        read.setBytes(VirtioNetHdr.LENGTH, packet, 0, packet.readableBytes());
        intoA.writeAddress(read.memoryAddress(), 0, VirtioNetHdr.LENGTH + packet.readableBytes());

        a.worker.drainTun();

        assertThat(a.sender.sent).hasSize(1);
        ByteBuf d = Unpooled.wrappedBuffer(a.sender.sent.get(0).payload());
        assertThat(d.readableBytes()).isEqualTo(VxlanEncap.OVERHEAD + packet.readableBytes());
        assertThat(Tcp.checksum(d, VxlanEncap.OVERHEAD + tcp)).isEqualTo(good);
        assertThat(a.count(Counter.TX_SUPER_PACKETS)).isZero();
        read.release();
    }

    @Test
    void aSuperPacketWhoseHeaderDoesNotFitIsCountedAsABadOffload() throws IOException {
        ByteBuf packet = tcp(100, SEQ, Tcp.FLAG_ACK);
        ByteBuf read = Unpooled.directBuffer(VirtioNetHdr.LENGTH + packet.readableBytes());
        VirtioNetHdr.write(read, 0, 0, VirtioNetHdr.GSO_UDP_L4, HEADERS, 50, 0, 0); // a TCP packet called UDP
        read.setBytes(VirtioNetHdr.LENGTH, packet, 0, packet.readableBytes());
        intoA.writeAddress(read.memoryAddress(), 0, VirtioNetHdr.LENGTH + packet.readableBytes());

        a.worker.drainTun();

        assertThat(a.sender.sent).isEmpty();
        assertThat(a.count(Counter.DROP_BAD_OFFLOAD)).isEqualTo(1);
        read.release();
    }

    // ------------------------------------------------------------------ partial checksums from a kernel peer

    /** Host A's VXLAN frames for {@code packets}, each made partial as a kernel sender with checksum offload leaves it. */
    private static byte[][] partialFrames(ByteBuf... packets) {
        byte[][] frames = new byte[packets.length][];
        for (int i = 0; i < packets.length; i++) {
            ByteBuf p = packets[i];
            assertThat(PartialChecksum.makePartial(p, 0, p.readableBytes())).isTrue();
            frames[i] = TwoHosts.vxlanFrame(VNI, MAC_B, MAC_A, ByteBufUtil.getBytes(p, 0, p.readableBytes()));
        }
        return frames;
    }

    @Test
    void partialSegmentsFromAKernelPeerArriveMergedWithNeedsCsum() throws IOException {
        ByteBuf[] segments = new ByteBuf[SEGMENTS];
        for (int i = 0; i < SEGMENTS; i++) {
            segments[i] = tcp(MSS, SEQ + (long) i * MSS, Tcp.FLAG_ACK);
        }

        b.receive(PUBLIC_A, partialFrames(segments));

        ByteBuf written = Unpooled.directBuffer(128 * 1024);
        int n = outOfB.readAddress(written.memoryAddress(), 0, written.capacity());
        assertThat(n).isEqualTo(VirtioNetHdr.LENGTH + HEADERS + SEGMENTS * MSS);
        assertThat(VirtioNetHdr.flags(written, 0)).isEqualTo(VirtioNetHdr.F_NEEDS_CSUM);
        assertThat(VirtioNetHdr.gsoType(written, 0)).isEqualTo(VirtioNetHdr.GSO_TCPV4);
        assertThat(VirtioNetHdr.csumStart(written, 0)).isEqualTo(Ipv4.MIN_HEADER_LENGTH);
        assertThat(VirtioNetHdr.csumOffset(written, 0)).isEqualTo(Tcp.CHECKSUM_OFFSET);
        ByteBuf merged = written.slice(VirtioNetHdr.LENGTH, n - VirtioNetHdr.LENGTH);
        assertThat(PartialChecksum.isPartial(merged, 0, n - VirtioNetHdr.LENGTH)).as("the merged packet's field").isTrue();
        assertThat(b.count(Counter.RX_PARTIAL_CSUM)).isEqualTo(SEGMENTS);
        assertThat(b.count(Counter.RX_PACKETS)).isEqualTo(SEGMENTS);
        assertThat(b.count(Counter.RX_MERGED_PACKETS)).isEqualTo(1);
        assertThat(b.count(Counter.DROP_BAD_CHECKSUM)).isZero();
        written.release();
    }

    @Test
    void aLonePartialPacketArrivesWithNeedsCsumAndItsChecksumFieldAsItCame() throws IOException {
        ByteBuf syn = tcp(0, SEQ, Tcp.FLAG_SYN);
        byte[][] frame = partialFrames(syn);

        b.receive(PUBLIC_A, frame);

        ByteBuf written = Unpooled.directBuffer(2048);
        int n = outOfB.readAddress(written.memoryAddress(), 0, written.capacity());
        assertThat(n).isEqualTo(VirtioNetHdr.LENGTH + HEADERS);
        assertThat(VirtioNetHdr.flags(written, 0)).isEqualTo(VirtioNetHdr.F_NEEDS_CSUM);
        assertThat(VirtioNetHdr.gsoType(written, 0)).isEqualTo(VirtioNetHdr.GSO_NONE);
        assertThat(VirtioNetHdr.csumStart(written, 0)).isEqualTo(Ipv4.MIN_HEADER_LENGTH);
        assertThat(VirtioNetHdr.csumOffset(written, 0)).isEqualTo(Tcp.CHECKSUM_OFFSET);
        assertThat(ByteBufUtil.getBytes(written, VirtioNetHdr.LENGTH, HEADERS))
                .isEqualTo(java.util.Arrays.copyOfRange(frame[0], VxlanEncap.OVERHEAD, frame[0].length));
        assertThat(b.count(Counter.RX_PARTIAL_CSUM)).isEqualTo(1);
        written.release();
    }

    @Test
    void onThePerPacketPathAPartialChecksumIsCompletedBeforeTheTun() throws IOException {
        FileDescriptor[] toPlain = pipe();
        TwoHosts.Host<TunQueue> plain = TwoHosts.hostB(c -> TunQueue.open(toPlain[1], false, 1450,
                PooledByteBufAllocator.DEFAULT, c));
        try {
            ByteBuf packet = tcp(300, SEQ, Tcp.FLAG_ACK | Tcp.FLAG_PSH);
            byte[] complete = ByteBufUtil.getBytes(packet, 0, packet.readableBytes());

            plain.receive(PUBLIC_A, partialFrames(packet));

            ByteBuf written = Unpooled.directBuffer(2048);
            int n = toPlain[0].readAddress(written.memoryAddress(), 0, written.capacity());
            assertThat(ByteBufUtil.getBytes(written, 0, n)).as("the packet with its checksum finished").isEqualTo(complete);
            assertThat(plain.count(Counter.RX_PARTIAL_CSUM)).isEqualTo(1);
            assertThat(plain.count(Counter.RX_PACKETS)).isEqualTo(1);
            written.release();
        } finally {
            plain.worker.close();
        }
    }

    @Test
    void aPacketWhoseChecksumIsNeitherRightNorPartialIsDroppedAndCounted() {
        ByteBuf damaged = tcp(200, SEQ, Tcp.FLAG_ACK);
        damaged.setByte(HEADERS + 5, damaged.getByte(HEADERS + 5) ^ 0x10);
        ByteBuf udp = Unpooled.buffer(40).writeZero(40);
        Ipv4.write(udp, 0, 0, 40, 1, 0, 64, Ip.PROTO_UDP, POD_A, POD_B);
        udp.setShort(20, 5000).setShort(22, 53).setShort(24, 20).setShort(26, 0x1234); // a wrong UDP checksum
        byte[][] frames = {
            TwoHosts.vxlanFrame(VNI, MAC_B, MAC_A, ByteBufUtil.getBytes(damaged, 0, damaged.readableBytes())),
            TwoHosts.vxlanFrame(VNI, MAC_B, MAC_A, ByteBufUtil.getBytes(udp, 0, 40)),
        };

        b.receive(PUBLIC_A, frames);

        assertThat(b.count(Counter.DROP_BAD_CHECKSUM)).isEqualTo(2);
        assertThat(b.count(Counter.RX_PACKETS)).as("nothing reached the TUN").isZero();
        assertThat(b.count(Counter.RX_PARTIAL_CSUM)).isZero();
    }

    /**
     * From a weft peer the inner checksum is not summed again: the outer UDP checksum, which weft always sends and
     * the kernel verified, covered the same bytes. So a packet whose inner checksum is wrong (it cannot be, from a
     * real weft peer, unless weft itself built it wrongly) is handed to the TUN alone with a zero header, for the
     * kernel to judge at its end, instead of being dropped here; from a flannel peer (the test above) it is dropped.
     */
    @Test
    void fromAWeftPeerTheInnerChecksumIsLeftToTheOuterOneAndToTheKernel() throws IOException {
        Lease fromA = TwoHosts.lease(TwoHosts.SUBNET_A, PUBLIC_A, MAC_A);
        b.table.publish(ForwardingTable.of(TableScope.localOnly(TwoHosts.SUBNET_B, null), List.of(fromA),
                Map.of(fromA.key(), WeftAdvert.of(null, 0)), null, TwoHosts.PORT));
        ByteBuf damaged = tcp(200, SEQ, Tcp.FLAG_ACK);
        damaged.setByte(HEADERS + 5, damaged.getByte(HEADERS + 5) ^ 0x10);

        b.receive(PUBLIC_A, TwoHosts.vxlanFrame(VNI, MAC_B, MAC_A, ByteBufUtil.getBytes(damaged, 0, damaged.readableBytes())));

        ByteBuf written = Unpooled.directBuffer(2048);
        int n = outOfB.readAddress(written.memoryAddress(), 0, written.capacity());
        assertThat(n).isEqualTo(VirtioNetHdr.LENGTH + damaged.readableBytes());
        assertThat(VirtioNetHdr.flags(written, 0)).as("no NEEDS_CSUM, no DATA_VALID: the kernel verifies it").isZero();
        assertThat(ByteBufUtil.getBytes(written, VirtioNetHdr.LENGTH, n - VirtioNetHdr.LENGTH))
                .isEqualTo(ByteBufUtil.getBytes(damaged, 0, damaged.readableBytes()));
        assertThat(b.count(Counter.DROP_BAD_CHECKSUM)).isZero();
        assertThat(b.count(Counter.RX_PACKETS)).isEqualTo(1);
        written.release();
    }

    // ------------------------------------------------------------------ a kernel peer's GSO packet, received whole

    /** 14 segments' worth at the MTU's MSS (1450 - 40): a kernel peer's GSO packet as it crosses a veth whole. */
    private static final int SUPER_PAYLOAD = 14 * 1410 - 123;

    @Test
    void aKernelPeersSuperPacketGoesToTheTunWithAGsoHeaderOfTheMtusMss() throws IOException {
        ByteBuf packet = tcp(SUPER_PAYLOAD, SEQ, Tcp.FLAG_ACK | Tcp.FLAG_PSH);
        byte[] frame = partialFrames(packet)[0];

        b.receive(PUBLIC_A, frame);

        ByteBuf written = Unpooled.directBuffer(128 * 1024);
        int n = outOfB.readAddress(written.memoryAddress(), 0, written.capacity());
        assertThat(n).isEqualTo(VirtioNetHdr.LENGTH + HEADERS + SUPER_PAYLOAD);
        // NEEDS_CSUM, GSO_TCPV4, hdr_len 40, gso_size 1410, csum_start 20, csum_offset 16 (little-endian)
        assertThat(ByteBufUtil.hexDump(written, 0, VirtioNetHdr.LENGTH)).isEqualTo("01012800820514001000");
        assertThat(ByteBufUtil.getBytes(written, VirtioNetHdr.LENGTH, n - VirtioNetHdr.LENGTH))
                .as("the packet as it came, its partial checksum field included")
                .isEqualTo(java.util.Arrays.copyOfRange(frame, VxlanEncap.OVERHEAD, frame.length));
        assertThat(b.count(Counter.RX_SUPER_PACKETS)).isEqualTo(1);
        assertThat(b.count(Counter.RX_PARTIAL_CSUM)).isEqualTo(1);
        assertThat(b.count(Counter.RX_PACKETS)).isEqualTo(1);
        assertThat(b.count(Counter.RX_BYTES)).isEqualTo(HEADERS + SUPER_PAYLOAD);
        written.release();
    }

    @Test
    void onThePerPacketPathAKernelPeersSuperPacketIsCutIntoMtuSizedSegments() throws IOException {
        FileDescriptor[] toPlain = pipe();
        TwoHosts.Host<TunQueue> plain = TwoHosts.hostB(c -> TunQueue.open(toPlain[1], false, 1450,
                PooledByteBufAllocator.DEFAULT, c));
        try {
            ByteBuf packet = tcp(SUPER_PAYLOAD, SEQ, Tcp.FLAG_ACK | Tcp.FLAG_PSH);
            byte[] payload = ByteBufUtil.getBytes(packet, HEADERS, SUPER_PAYLOAD);

            plain.receive(PUBLIC_A, partialFrames(packet));

            ByteBuf written = Unpooled.directBuffer(128 * 1024);
            int total = 0;
            for (int n; total < 14 * HEADERS + SUPER_PAYLOAD
                    && (n = toPlain[0].readAddress(written.memoryAddress(), total, written.capacity())) > 0; ) {
                total += n;
            }
            assertThat(total).isEqualTo(14 * HEADERS + SUPER_PAYLOAD);
            java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
            for (int i = 0, at = 0; i < 14; i++) {
                int length = Ipv4.totalLength(written, at);
                assertThat(length).as("segment %d", i).isEqualTo(i < 13 ? 1450 : HEADERS + SUPER_PAYLOAD - 13 * 1410);
                assertThat(Ipv4.verifyHeaderChecksum(written, at)).isTrue();
                assertThat(Checksum.verifyL4(written, at)).as("segment %d's TCP checksum", i).isTrue();
                assertThat(Tcp.sequence(written, at + Ipv4.MIN_HEADER_LENGTH)).isEqualTo(SEQ + (long) i * 1410);
                assertThat(Tcp.flags(written, at + Ipv4.MIN_HEADER_LENGTH) & Tcp.FLAG_PSH).isEqualTo(i < 13 ? 0 : Tcp.FLAG_PSH);
                data.write(ByteBufUtil.getBytes(written, at + HEADERS, length - HEADERS));
                at += length;
            }
            assertThat(data.toByteArray()).isEqualTo(payload);
            assertThat(plain.count(Counter.RX_SUPER_PACKETS)).isEqualTo(1);
            assertThat(plain.count(Counter.RX_PACKETS)).isEqualTo(1);
            assertThat(plain.count(Counter.RX_BYTES)).isEqualTo(total);
            written.release();
        } finally {
            plain.worker.close();
        }
    }
}
