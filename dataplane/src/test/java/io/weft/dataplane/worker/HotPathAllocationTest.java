package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.dataplane.socket.OuterSender;
import io.weft.fdb.Peer;
import io.weft.vtep.VxlanEncap;
import io.weft.vtep.offload.InnerChecksum;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;

import static io.weft.dataplane.worker.TwoHosts.MAC_A;
import static io.weft.dataplane.worker.TwoHosts.MAC_B;
import static io.weft.dataplane.worker.TwoHosts.POD_A;
import static io.weft.dataplane.worker.TwoHosts.POD_B;
import static io.weft.dataplane.worker.TwoHosts.PUBLIC_A;
import static io.weft.dataplane.worker.TwoHosts.VNI;
import static io.weft.dataplane.worker.TwoHosts.echo;
import static io.weft.dataplane.worker.TwoHosts.v4;
import static io.weft.dataplane.worker.TwoHosts.vxlanFrame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The encapsulator and the decapsulator run for every packet: after warm-up, neither may allocate. */
class HotPathAllocationTest {
    private static final int PACKETS = 3000;

    /** Counts what it is given, keeps nothing. */
    private static final class CountingQueue extends WriteOnlyTunQueue implements OuterSender {
        long bytes;
        /** Sends as the IPv6 socket does: to the peer's PublicIPv6. */
        boolean ipv6;

        @Override
        public void write(ByteBuf buf, int ip, int length, InnerChecksum checksum) {
            bytes += length;
        }

        @Override
        public void send(ByteBuf datagram, Peer peer) {
            bytes += datagram.readableBytes(); // the test reuses the buffer, so nothing is released
            // the per-packet read of the chosen path, as ChannelSender does it
            if ((ipv6 ? peer.endpointV6() : peer.sendEndpoint()) == null) {
                throw new AssertionError("no endpoint for " + peer);
            }
        }

        @Override
        public boolean writable() {
            return true;
        }

        @Override
        public void sendSegments(ByteBuf datagrams, int count, int stride, Peer peer) {
            bytes += datagrams.readableBytes();
        }

        @Override
        public void reply(ByteBuf datagram, InetSocketAddress to) {
            throw new AssertionError("no ARP here");
        }

        @Override
        public void flush() {
        }
    }

    @Test
    void encapsulatingAndDecapsulatingAllocateNothingPerPacket() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "the JVM cannot count allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
        CountingQueue out = new CountingQueue();
        TwoHosts.Host<CountingQueue> b = TwoHosts.hostB(c -> out);
        TwoHosts.Host<CountingQueue> a = TwoHosts.hostA(c -> new CountingQueue());
        Encapsulator encap = new Encapsulator(a.table, out, a.counters, VNI, MAC_A.bits());
        byte[] packet = echo(POD_A, POD_B, 56);
        ByteBuf tunRead = Unpooled.directBuffer(VxlanEncap.HEADROOM + packet.length);
        tunRead.setBytes(VxlanEncap.HEADROOM, packet);
        byte[] frame = vxlanFrame(VNI, MAC_B, MAC_A, packet);
        ByteBuf received = Unpooled.directBuffer(frame.length);
        received.setBytes(0, frame);
        int sender = v4(PUBLIC_A);

        run(encap, b.worker.decapsulator(), tunRead, packet.length, received, frame.length, sender);
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        run(encap, b.worker.decapsulator(), tunRead, packet.length, received, frame.length, sender);
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

        assertThat(out.bytes).as("bytes sent and written").isEqualTo(2L * PACKETS * (frame.length + packet.length));
        assertThat(b.count(Counter.DROP_UNKNOWN_SENDER)).isZero();
        // 6,000 packets each way: a single object per packet would be 96 KB or more.
        assertThat(allocated).as("bytes allocated by encap and decap").isLessThan(8 * 1024);
    }

    @Test
    void theIpv6PathAllocatesNothingPerPacketEither() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "the JVM cannot count allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
        CountingQueue out = new CountingQueue();
        out.ipv6 = true;
        io.weft.fdb.PublishedTable table = new io.weft.fdb.PublishedTable();
        table.publish(io.weft.fdb.ForwardingTable.build(TwoHosts.SUBNET_B, DualStackWorkerTest.SUBNET6_B,
                java.util.List.of(DualStackWorkerTest.dualStackLease(TwoHosts.SUBNET_A, PUBLIC_A, MAC_A,
                        DualStackWorkerTest.SUBNET6_A, DualStackWorkerTest.PUBLIC6_A, DualStackWorkerTest.MAC6_A)),
                TwoHosts.PORT));
        WorkerCounters counters = new WorkerCounters();
        io.weft.dataplane.DataPlaneConfig config = new io.weft.dataplane.DataPlaneConfig("weft.1", 1450, VNI,
                TwoHosts.PORT, MAC_B, TwoHosts.SUBNET_B, TwoHosts.NETWORK, 1, false, false, false, null,
                new io.weft.dataplane.Ipv6Overlay(DualStackWorkerTest.SUBNET6_B, DualStackWorkerTest.NETWORK6,
                        DualStackWorkerTest.MAC6_B, null, 1430));
        Worker b = new Worker(new WorkerResources(0, config, table, null, out, counters,
                new io.weft.dataplane.capture.DataPlaneHooks(), io.netty.buffer.PooledByteBufAllocator.DEFAULT, false,
                false), out, null, out, null);
        byte[] packet = DualStackWorkerTest.echo6(DualStackWorkerTest.POD6_B_HI, 7, DualStackWorkerTest.POD6_A_HI, 5, 56);
        ByteBuf tunRead = Unpooled.directBuffer(VxlanEncap.HEADROOM + packet.length);
        tunRead.setBytes(VxlanEncap.HEADROOM, packet);
        byte[] reply = DualStackWorkerTest.echo6(DualStackWorkerTest.POD6_A_HI, 5, DualStackWorkerTest.POD6_B_HI, 7, 56);
        byte[] frame = DualStackWorkerTest.frame6(DualStackWorkerTest.MAC6_B, DualStackWorkerTest.MAC6_A, reply);
        ByteBuf received = Unpooled.directBuffer(frame.length);
        received.setBytes(0, frame);
        byte[] from = io.weft.fdb.Subnet.parseAddress(DualStackWorkerTest.PUBLIC6_A).getAddress();
        long hi = io.weft.fdb.Subnet.bytesToLong(from, 0);
        long lo = io.weft.fdb.Subnet.bytesToLong(from, 8);

        runV6(b, tunRead, packet.length, received, frame.length, hi, lo);
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        runV6(b, tunRead, packet.length, received, frame.length, hi, lo);
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

        assertThat(out.bytes).as("bytes sent and written").isEqualTo(2L * PACKETS * (frame.length + packet.length));
        assertThat(allocated).as("bytes allocated by IPv6 encap and decap").isLessThan(8 * 1024);
    }

    private static void runV6(Worker w, ByteBuf tunRead, int packetLength, ByteBuf received, int frameLength, long hi,
                              long lo) {
        for (int i = 0; i < PACKETS; i++) {
            if (!w.encapsulator().packet(tunRead, VxlanEncap.HEADROOM, packetLength)) {
                throw new AssertionError("packet " + i + " was not sent");
            }
            w.decapsulator().datagramV6(received, 0, frameLength, hi, lo, TwoHosts.PORT);
            w.decapsulator().endOfBatch();
        }
    }

    private static void run(Encapsulator encap, Decapsulator decap, ByteBuf tunRead, int packetLength,
                            ByteBuf received, int frameLength, int sender) {
        for (int i = 0; i < PACKETS; i++) {
            if (!encap.packet(tunRead, VxlanEncap.HEADROOM, packetLength)) {
                throw new AssertionError("packet " + i + " was not sent");
            }
            decap.datagram(received, 0, frameLength, sender, TwoHosts.PORT);
            decap.endOfBatch();
        }
    }
}
