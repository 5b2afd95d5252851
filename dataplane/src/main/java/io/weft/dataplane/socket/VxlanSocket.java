package io.weft.dataplane.socket;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.weft.dataplane.DataPlaneException;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The VXLAN UDP socket of one worker: an {@link EpollDatagramChannel} bound to {@code 0.0.0.0:port} with
 * SO_REUSEPORT (every worker binds the same port; the kernel spreads senders over them by 4-tuple hash).
 *
 * <p>Per-packet receive ({@code gro} false) is batched with recvmmsg: {@code MAX_DATAGRAM_PAYLOAD_SIZE} is set
 * and every read buffer holds {@link #RECEIVE_BUFFER} / payload-size datagrams.
 *
 * <p>With {@code gro}, UDP_GRO is on, so one receive may return a run of coalesced datagrams (Netty splits it back
 * into one {@code DatagramPacket} per datagram). Such a socket is read with recvmsg into one 64 KB buffer
 * ({@code MAX_DATAGRAM_PAYLOAD_SIZE = 0}): one run per call, the reference's advice. Not recvmmsg: Netty 4.2.18's
 * recvmmsg path ({@code EpollDatagramChannel.scatteringRead}) builds the packet twice when a call returns exactly one
 * datagram and that one is a GRO run, and never releases the first; each time one pooled receive buffer leaks, and
 * after a few GB of traffic direct memory runs out and the socket stops receiving (found in the bench: weft to weft
 * stalled after about 4 GB with {@code -XX:MaxDirectMemorySize=512m}). Where the link does not coalesce (a veth with
 * GRO off), this costs one syscall per datagram; {@code -Dweft.udp.gro=off} then batches with recvmmsg instead.
 *
 * <p>Sends are batched by Netty (sendmmsg when several datagrams are flushed at once), one flush per worker wakeup;
 * a {@code SegmentedDatagramPacket} goes out as one UDP GSO send.
 *
 * <p>Outer UDP source port: a kernel vxlan device sends from a port derived from the inner flow hash, in
 * {@code ip_local_port_range} (32768–60999 by default), so that receivers can spread flows with RSS. weft sends
 * from its bound socket, so the source port is the VXLAN port itself (8472). Receivers, kernel or weft, never
 * check the source port; spreading on the receiver therefore relies on the outer source addresses only.
 */
public final class VxlanSocket {
    /** Socket buffers: large enough to ride out a scheduling hiccup at a few hundred thousand packets/s. */
    public static final int SOCKET_BUFFER_BYTES = 8 * 1024 * 1024;
    /** One recvmmsg batch fits in this many bytes. */
    public static final int RECEIVE_BUFFER = 64 * 1024;
    /** Receive calls per wakeup before the loop serves the TUN again. */
    static final int READS_PER_WAKEUP = 64;
    /** System property: {@code off} turns UDP_GRO off (see {@link #groWanted()}). */
    public static final String GRO_PROPERTY = "weft.udp.gro";
    /** The largest UDP payload over IPv4, rounded up: one slot holds any GRO run. */
    static final int GRO_SLOT = 64 * 1024;

    private VxlanSocket() {
    }

    /** The largest UDP payload we accept: inner MTU + inner Ethernet + VXLAN, rounded up. */
    public static int maxDatagram(int tunMtu) {
        return (tunMtu + 22 + 63) & ~63;
    }

    /**
     * Refuses early if anything in this namespace already holds the port: SO_REUSEPORT would otherwise let us
     * share it with another SO_REUSEPORT socket (another weft) without an error.
     */
    public static void requirePortFree(int port) {
        Optional<String> holder = UdpPortHolder.describe(port);
        if (holder.isPresent()) {
            throw new DataPlaneException(UdpPortHolder.inUseMessage(port, holder.get()));
        }
    }

    /** Binds one worker's channel on {@code loop} without UDP_GRO; blocks until bound. */
    public static Channel bind(IoEventLoop loop, int port, int tunMtu, ChannelHandler handler) {
        return bind(loop, port, tunMtu, handler, false);
    }

    /** Binds one worker's channel on {@code loop}, asking for UDP_GRO if {@code gro}; blocks until bound. */
    public static Channel bind(IoEventLoop loop, int port, int tunMtu, ChannelHandler handler, boolean gro) {
        int payload = maxDatagram(tunMtu);
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channelFactory(() -> new EpollDatagramChannel(SocketProtocolFamily.INET))
                .option(EpollChannelOption.SO_REUSEPORT, true)
                // The pooled allocator (thread-cached) rather than Netty 4.2's adaptive default for receive buffers.
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(2 * 1024 * 1024, 4 * 1024 * 1024))
                .handler(handler);
        if (gro) {
            // recvmsg, never recvmmsg: see the class comment (a Netty leak with GRO runs).
            b.option(EpollChannelOption.UDP_GRO, true)
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 0)
                    .option(ChannelOption.RECVBUF_ALLOCATOR, receiveAllocator(GRO_SLOT));
        } else {
            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, payload)
                    .option(ChannelOption.RECVBUF_ALLOCATOR, receiveAllocator(Math.max(RECEIVE_BUFFER, 2 * payload)));
        }
        ChannelFuture f = b.bind(new InetSocketAddress("0.0.0.0", port)).awaitUninterruptibly();
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            String msg = cause == null ? "unknown error" : String.valueOf(cause.getMessage());
            if (msg.toLowerCase().contains("address already in use")) {
                String holder = UdpPortHolder.describe(port).orElse("another socket");
                throw new DataPlaneException(UdpPortHolder.inUseMessage(port, holder), cause);
            }
            throw new DataPlaneException("cannot bind UDP 0.0.0.0:" + port + ": " + msg, cause);
        }
        Channel ch = f.channel();
        ForcedBufferSizes.apply(((EpollDatagramChannel) ch).fd().intValue(), SOCKET_BUFFER_BYTES);
        return ch;
    }

    /**
     * False if the system property {@value #GRO_PROPERTY} is {@code off}: receive with plain recvmmsg (no kernel
     * coalescing; weft still merges what one batch holds). Links without GRO (a veth) batch better that way.
     */
    public static boolean groWanted() {
        return !"off".equalsIgnoreCase(System.getProperty(GRO_PROPERTY, "on").trim());
    }

    /**
     * Fixed-size receive buffers, and keep reading until the socket is empty (or {@link #READS_PER_WAKEUP}): Netty's
     * default stops after any read that did not fill the whole buffer, which with 64 KB buffers and one 1.5 KB
     * datagram per read leaves the rest queued on the edge-triggered socket until the next datagram arrives.
     */
    private static FixedRecvByteBufAllocator receiveAllocator(int size) {
        FixedRecvByteBufAllocator a = new FixedRecvByteBufAllocator(size);
        a.respectMaybeMoreData(false);
        a.maxMessagesPerRead(READS_PER_WAKEUP);
        return a;
    }

    /** True if UDP_GRO is on for the bound channel (the kernel accepted the option). */
    public static boolean groEnabled(Channel ch) {
        try {
            return ((EpollDatagramChannel) ch).config().isUdpGro();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** True if Netty and the kernel can send UDP GSO batches (sendmmsg with UDP_SEGMENT). */
    public static boolean gsoSupported() {
        return EpollDatagramChannel.isSegmentedDatagramPacketSupported();
    }
}
