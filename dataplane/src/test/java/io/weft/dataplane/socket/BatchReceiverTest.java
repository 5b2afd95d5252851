package io.weft.dataplane.socket;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.SegmentedDatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The socket reader on loopback: what the data plane's receive path relies on. Every datagram arrives with its
 * bytes, its length and its sender; a UDP GSO send arrives at a UDP_GRO socket as runs whose segment size is known,
 * so they can be split back exactly; a datagram longer than a slot is reported cut short; an empty socket reads 0.
 */
class BatchReceiverTest {
    private static final int PORT = 18473;
    private static final int SEGMENT = 1400;
    private static final int MTU = 1450;

    private MultiThreadIoEventLoopGroup group;
    private Channel rxChannel;
    private Channel tx;
    private BatchReceiver rx;

    @BeforeEach
    void loops() {
        assumeTrue(Epoll.isAvailable(), "needs epoll");
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterEach
    void close() {
        if (rx != null) {
            rx.close();
        }
        if (tx != null) {
            tx.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (rxChannel != null) {
            rxChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void groRunsArriveWithTheirSegmentSizeAndSplitBackIntoEveryDatagram() throws Exception {
        assumeTrue(VxlanSocket.gsoSupported(), "needs UDP GSO");
        open(true);
        assumeTrue(VxlanSocket.groEnabled(rxChannel), "the kernel refused UDP_GRO");
        int runs = 20;
        int segments = 40;
        List<byte[]> datagrams = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(segments * SEGMENT - 100);
            for (int s = 0; s < segments; s++) {
                int len = s == segments - 1 ? SEGMENT - 100 : SEGMENT; // a shorter last datagram
                byte[] d = pattern(r * segments + s, len);
                datagrams.add(d);
                payload.writeBytes(d);
            }
            tx.writeAndFlush(new SegmentedDatagramPacket(payload, SEGMENT, target())).sync();
        }

        List<byte[]> received = new ArrayList<>();
        int runsSeen = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.size() < datagrams.size() && System.nanoTime() < deadline) {
            int n = rx.receive();
            assertThat(n).as("receive() result").isGreaterThanOrEqualTo(0);
            if (n == 0) {
                Thread.sleep(1);
                continue;
            }
            for (int i = 0; i < n; i++) {
                assertThat(rx.truncated(i)).isFalse();
                assertSender(i);
                int length = rx.length(i);
                int segment = rx.segmentSize(i);
                if (segment > 0) {
                    runsSeen++;
                    assertThat(segment).isEqualTo(SEGMENT);
                } else {
                    segment = length;
                }
                for (int at = 0; at < length; at += segment) {
                    byte[] d = new byte[Math.min(segment, length - at)];
                    rx.buffer().getBytes(rx.offset(i) + at, d);
                    received.add(d);
                }
            }
        }

        assertThat(received).as("datagrams, in order and byte for byte").containsExactlyElementsOf(datagrams);
        assertThat(runsSeen).as("slots holding a coalesced run").isGreaterThan(0);
        assertThat(rx.receive()).as("an empty socket").isZero();
    }

    @Test
    void withoutGroEachSlotIsOneDatagramAndAnOversizedOneIsReportedCutShort() throws Exception {
        open(false);
        assertThat(rx.receive()).as("an empty socket").isZero();
        // 8000: from a peer on jumbo frames; 64382: a kernel peer's TCP GSO packet, which crosses a veth whole.
        int[] sizes = {1, 60, 1472, 8000, 64382, 900};
        assertThat(VxlanSocket.plainSlot(MTU)).isGreaterThanOrEqualTo(65507);
        sendAndCollect(rx, sizes);
        assertThat(lengths).containsExactly(1, 60, 1472, 8000, 64382, 900);
        assertThat(cut).containsExactly(false, false, false, false, false, false);

        // A reader with smaller slots than a datagram reports it cut short.
        int slot = 2048;
        try (BatchReceiver small = BatchReceiver.open(((EpollDatagramChannel) rxChannel).fd().intValue(), 4, slot,
                PooledByteBufAllocator.DEFAULT)) {
            sendAndCollect(small, new int[] {1472, slot + 1, 900});
            assertThat(lengths).containsExactly(1472, slot, 900);
            assertThat(cut).containsExactly(false, true, false);
        }
    }

    private final List<Integer> lengths = new ArrayList<>();
    private final List<Boolean> cut = new ArrayList<>();

    /** Sends datagrams of {@code sizes} and collects what {@code reader} receives into {@link #lengths}/{@link #cut}. */
    private void sendAndCollect(BatchReceiver reader, int[] sizes) throws Exception {
        lengths.clear();
        cut.clear();
        for (int i = 0; i < sizes.length; i++) {
            tx.writeAndFlush(new DatagramPacket(io.netty.buffer.Unpooled.wrappedBuffer(pattern(i, sizes[i])), target()))
                    .sync();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lengths.size() < sizes.length && System.nanoTime() < deadline) {
            int n = reader.receive();
            if (n == 0) {
                Thread.sleep(1);
                continue;
            }
            for (int i = 0; i < n; i++) {
                assertThat(reader.senderPort(i)).isNotZero();
                assertThat(reader.segmentSize(i)).isZero();
                lengths.add(reader.length(i));
                cut.add(reader.truncated(i));
                if (!reader.truncated(i)) {
                    byte[] d = new byte[reader.length(i)];
                    reader.buffer().getBytes(reader.offset(i), d);
                    assertThat(d).isEqualTo(pattern(lengths.size() - 1, d.length));
                }
            }
        }
    }

    /** The receive path runs for every datagram: after warm-up, receiving and reading slots must not allocate. */
    @Test
    void receivingAllocatesNothing() throws Exception {
        open(false);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "the JVM cannot count allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
        long warm = drain(3000);
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        long sum = drain(3000);
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertThat(warm).isPositive();
        assertThat(sum).as("bytes received").isPositive();
        // 3,000 datagrams: a single object per datagram or per call would be 48 KB or more.
        assertThat(allocated).as("bytes allocated by receive() and the slot accessors").isLessThan(8 * 1024);
    }

    /**
     * Receives {@code count} datagrams that another thread sends (so only receiving is counted against this one),
     * touching every accessor; returns a sum of what was read.
     */
    private long drain(int count) throws Exception {
        AtomicInteger got = new AtomicInteger();
        Thread sender = new Thread(() -> {
            try (java.net.DatagramSocket socket = new java.net.DatagramSocket()) {
                java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[200], 200, target());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                for (int sent = 0; sent < count && System.nanoTime() < deadline; ) {
                    if (sent - got.get() < 100) {
                        socket.send(p);
                        sent++;
                    } else {
                        Thread.onSpinWait();
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "batch-receiver-test-sender");
        sender.start();
        long sum = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (got.get() < count && System.nanoTime() < deadline) {
            int n = rx.receive();
            for (int i = 0; i < n; i++) {
                sum += rx.length(i) + rx.segmentSize(i) + (rx.truncated(i) ? 1 : 0) + (rx.senderAddress(i) & 0xFF)
                        + rx.senderPort(i) + rx.buffer().getByte(rx.offset(i));
            }
            got.addAndGet(Math.max(n, 0));
        }
        sender.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(got.get()).as("datagrams received").isEqualTo(count);
        return sum;
    }

    private void open(boolean gro) throws InterruptedException {
        IoEventLoop loop = (IoEventLoop) group.next();
        rxChannel = VxlanSocket.bind(loop, PORT, new ChannelInboundHandlerAdapter(), gro);
        rx = VxlanSocket.openReceiver(rxChannel, MTU, PooledByteBufAllocator.DEFAULT);
        tx = new Bootstrap().group(group.next())
                .channelFactory(() -> new EpollDatagramChannel(SocketProtocolFamily.INET))
                .handler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private void assertSender(int slot) {
        assertThat(rx.senderAddress(slot)).as("sender address").isEqualTo(0x7f000001);
        assertThat(rx.senderPort(slot)).as("sender port").isEqualTo(((InetSocketAddress) tx.localAddress()).getPort());
    }

    private static InetSocketAddress target() {
        return new InetSocketAddress("127.0.0.1", PORT);
    }

    private static byte[] pattern(int seed, int length) {
        byte[] d = new byte[length];
        for (int i = 0; i < length; i++) {
            d[i] = (byte) (seed * 31 + i * 7);
        }
        return d;
    }
}
