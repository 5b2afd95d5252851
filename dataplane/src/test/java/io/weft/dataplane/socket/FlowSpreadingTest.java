package io.weft.dataplane.socket;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two SO_REUSEPORT sockets on one loopback port, as two workers bind it, and datagrams from one sender port (as a
 * weft peer sends them): with the flow program attached, every inner flow stays on one socket and the flows use
 * both sockets.
 */
class FlowSpreadingTest {
    private static final int PORT = 18479;
    private static final int FLOWS = 32;

    private MultiThreadIoEventLoopGroup group;
    private final List<Channel> sockets = new ArrayList<>();
    private final List<BatchReceiver> readers = new ArrayList<>();
    private Channel tx;

    @BeforeEach
    void loops() {
        assumeTrue(Epoll.isAvailable(), "needs epoll");
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterEach
    void close() {
        readers.forEach(BatchReceiver::close);
        if (tx != null) {
            tx.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        sockets.forEach(c -> c.close().awaitUninterruptibly(5, TimeUnit.SECONDS));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** A VXLAN frame whose inner IPv4 packet is from 10.244.1.5:{@code port} to 10.244.2.7:5201. */
    private static byte[] frame(int port) {
        ByteBuffer b = ByteBuffer.allocate(8 + 14 + 40);
        b.putInt(0x08000000).putInt(1 << 8);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.putShort((short) 0x4500).putShort((short) 40).putInt(0).putShort((short) 0x4006).putShort((short) 0);
        b.putInt(0x0AF40105).putInt(0x0AF40207);
        b.putShort((short) port).putShort((short) 5201);
        return b.array();
    }

    @Test
    void eachInnerFlowKeepsOneSocketAndTheFlowsUseBoth() throws Exception {
        spreads(40000, 1);
    }

    /**
     * Linux gives connect() even ephemeral ports (odd ones are left to bind()), so the client flows of one host to
     * one server port all have even source ports; a hash whose lowest bit is the ports' parity put them all on one
     * socket.
     */
    @Test
    void flowsFromEvenEphemeralPortsAsConnectPicksThemUseBothSockets() throws Exception {
        spreads(40000, 2);
    }

    /** Sends FLOWS flows from ports {@code first}, {@code first + step}, ... three times and checks the spread. */
    private void spreads(int first, int step) throws Exception {
        for (int i = 0; i < 2; i++) {
            Channel ch = VxlanSocket.bind((IoEventLoop) group.next(), PORT, new ChannelInboundHandlerAdapter(), false);
            sockets.add(ch);
            readers.add(BatchReceiver.open(VxlanSocket.fd(ch), 8, 2048, PooledByteBufAllocator.DEFAULT));
        }
        assertThat(FlowSpreading.attach(VxlanSocket.fd(sockets.get(0)), 2)).as("the kernel took the program").isTrue();
        tx = new Bootstrap().group(group.next())
                .channelFactory(() -> new EpollDatagramChannel(SocketProtocolFamily.INET))
                .handler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        for (int round = 0; round < 3; round++) {
            for (int f = 0; f < FLOWS; f++) {
                tx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(frame(first + step * f)),
                        new InetSocketAddress("127.0.0.1", PORT))).sync();
            }
        }
        Map<Integer, Integer> socketOfFlow = new HashMap<>();
        int[] perSocket = new int[2];
        int received = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received < 3 * FLOWS && System.nanoTime() < deadline) {
            for (int s = 0; s < 2; s++) {
                BatchReceiver r = readers.get(s);
                int n = r.receive();
                for (int i = 0; i < n; i++) {
                    int flow = r.buffer().getUnsignedShort(r.offset(i) + 8 + 14 + 20);
                    Integer before = socketOfFlow.putIfAbsent(flow, s);
                    assertThat(before == null ? s : before).as("flow %d stays on one socket", flow).isEqualTo(s);
                    perSocket[s]++;
                    received++;
                }
            }
            Thread.sleep(1);
        }
        assertThat(received).isEqualTo(3 * FLOWS);
        // 32 flows hashed over two sockets: each socket gets at least a quarter of them (a fair coin gives fewer
        // than 8 of 32 with a probability below 0.2 %, and the hash is fixed, so this cannot flake)
        assertThat(perSocket[0]).as("datagrams on the first socket").isGreaterThanOrEqualTo(3 * FLOWS / 4);
        assertThat(perSocket[1]).as("datagrams on the second socket").isGreaterThanOrEqualTo(3 * FLOWS / 4);
    }

    @Test
    void withOneWorkerNothingIsAttached() {
        assertThat(FlowSpreading.attach(-1, 1)).isFalse();
    }
}
