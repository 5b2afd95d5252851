package io.weft.dataplane.socket;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.weft.fdb.Subnet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The IPv6 underlay's socket on loopback: bound IPV6_V6ONLY beside an IPv4 socket on the same port, it sends to an
 * IPv6 peer, and its reader reports each datagram's IPv6 sender (which decap checks against the peers' PublicIPv6).
 */
class Ipv6SocketTest {
    private static final int PORT = 18476;

    private MultiThreadIoEventLoopGroup group;
    private Channel v4;
    private Channel v6;
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
        for (Channel c : new Channel[] {v4, v6}) {
            if (c != null) {
                c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Test
    void anIpv6SocketBindsBesideTheIpv4OneSendsAndNamesItsSenders() throws Exception {
        Inet6Address loopback = (Inet6Address) InetAddress.getByName("::1");
        IoEventLoop loop = (IoEventLoop) group.next();
        v4 = VxlanSocket.bind(loop, null, PORT, new ChannelInboundHandlerAdapter(), false);
        try {
            v6 = VxlanSocket.bindV6(loop, loopback, PORT, new ChannelInboundHandlerAdapter(), false);
        } catch (RuntimeException e) {
            assumeTrue(false, "no IPv6 loopback here: " + e.getMessage());
        }
        rx = VxlanSocket.openReceiver(v6, 1450, io.netty.buffer.PooledByteBufAllocator.DEFAULT);

        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
            peer.setSoTimeout(5000);
            byte[] hello = "from weft over IPv6".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            v6.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(hello),
                    new InetSocketAddress(loopback, peer.getLocalPort()))).syncUninterruptibly();
            java.net.DatagramPacket got = new java.net.DatagramPacket(new byte[100], 100);
            peer.receive(got);
            assertThat(new String(got.getData(), 0, got.getLength(), java.nio.charset.StandardCharsets.US_ASCII))
                    .isEqualTo("from weft over IPv6");
            assertThat(got.getPort()).as("sent from the VXLAN port").isEqualTo(PORT);

            byte[] back = new byte[] {8, 0, 0, 0, 0, 0, 1, 0};
            peer.send(new java.net.DatagramPacket(back, back.length, new InetSocketAddress(loopback, PORT)));
            int n = 0;
            for (int i = 0; i < 100 && n == 0; i++) {
                n = rx.receive();
                if (n == 0) {
                    Thread.sleep(20);
                }
            }
            assertThat(n).isEqualTo(1);
            assertThat(rx.length(0)).isEqualTo(back.length);
            byte[] a = loopback.getAddress();
            assertThat(rx.senderV6Hi(0)).isEqualTo(Subnet.bytesToLong(a, 0));
            assertThat(rx.senderV6Lo(0)).isEqualTo(Subnet.bytesToLong(a, 8));
            assertThat(rx.senderPort(0)).isEqualTo(peer.getLocalPort());
            assertThat(rx.senderAddress(0)).as("no IPv4 sender").isZero();
        }
    }
}
