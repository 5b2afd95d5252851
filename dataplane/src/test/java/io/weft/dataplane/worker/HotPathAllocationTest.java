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

        @Override
        public void write(ByteBuf buf, int ip, int length, InnerChecksum checksum) {
            bytes += length;
        }

        @Override
        public void send(ByteBuf datagram, Peer peer) {
            bytes += datagram.readableBytes(); // the test reuses the buffer, so nothing is released
            if (peer.sendEndpoint() == null) { // the per-packet read of the chosen path, as ChannelSender does it
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
