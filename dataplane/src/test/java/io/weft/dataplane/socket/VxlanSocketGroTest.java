package io.weft.dataplane.socket;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A UDP_GRO socket must give back every receive buffer. On loopback a UDP GSO send reaches a UDP_GRO socket as one
 * coalesced run, so each receive returns exactly one GRO run: the case where Netty 4.2.18's recvmmsg path leaks its
 * receive buffer (see {@link VxlanSocket}). The leak let direct memory run out after a few GB and the socket went
 * silent; here 2,000 runs of 40 datagrams (about 110 MB) must leave the pool's direct memory where it was.
 */
class VxlanSocketGroTest {
    private static final int RUNS = 2000;
    private static final int SEGMENTS = 40;
    private static final int SEGMENT = 1400;
    private static final int PORT = 18472;

    @Test
    void groReceiveReleasesEveryBuffer() throws Exception {
        assumeTrue(Epoll.isAvailable() && VxlanSocket.gsoSupported(), "needs epoll and UDP GSO");
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        AtomicLong datagrams = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        try {
            IoEventLoop rxLoop = (IoEventLoop) group.next();
            Channel rx = VxlanSocket.bind(rxLoop, PORT, 1450, new ChannelInboundHandlerAdapter() {
                @Override
                public boolean isSharable() {
                    return true;
                }

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof DatagramPacket p) {
                        datagrams.incrementAndGet();
                        bytes.addAndGet(p.content().readableBytes());
                    }
                    ReferenceCountUtil.release(msg);
                }
            }, true);
            assumeTrue(VxlanSocket.groEnabled(rx), "the kernel refused UDP_GRO");
            Channel tx = new Bootstrap().group(group.next())
                    .channelFactory(() -> new EpollDatagramChannel(SocketProtocolFamily.INET))
                    .handler(new ChannelInboundHandlerAdapter())
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", PORT);
            // Warm the pool (arenas, thread caches) before taking the baseline.
            sendRuns(tx, to, 200, datagrams, 200L * SEGMENTS);
            long before = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
            long expected = datagrams.get() + (long) RUNS * SEGMENTS;
            sendRuns(tx, to, RUNS, datagrams, expected);
            long after = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();

            assertThat(datagrams.get()).as("datagrams received, one per GSO segment").isEqualTo(expected);
            assertThat(bytes.get()).isEqualTo(expected * SEGMENT);
            // A leak of one 64 KB buffer per run would be 125 MB here; the pool itself grows by whole chunks at most.
            assertThat(after - before).as("direct memory the pool still holds after %d GRO runs", RUNS)
                    .isLessThan(32L * 1024 * 1024);
            tx.close().sync();
            rx.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Sends {@code runs} GSO sends, pacing on the receiver so the socket buffer never overflows (bounded wait). */
    private static void sendRuns(Channel tx, InetSocketAddress to, int runs, AtomicLong received, long expectedTotal)
            throws InterruptedException {
        long start = received.get();
        for (int i = 0; i < runs; i++) {
            ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(SEGMENTS * SEGMENT);
            payload.writerIndex(SEGMENTS * SEGMENT);
            tx.writeAndFlush(new SegmentedDatagramPacket(payload, SEGMENT, to)).sync();
            long sent = (long) (i + 1) * SEGMENTS;
            for (int w = 0; w < 2000 && received.get() - start < sent - 20L * SEGMENTS; w++) {
                Thread.sleep(1);
            }
        }
        for (int w = 0; w < 5000 && received.get() < expectedTotal; w++) {
            Thread.sleep(1);
        }
    }
}
