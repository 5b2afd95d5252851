package io.weft.dataplane.socket;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
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
import io.weft.dataplane.os.Errno;
import io.weft.dataplane.os.LibC;

import java.net.BindException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The VXLAN UDP socket of one worker: an {@link EpollDatagramChannel} bound to {@code <address>:port} with
 * SO_REUSEPORT (every worker binds the same address and port; the kernel spreads senders over them by 4-tuple hash).
 * The agent binds the address flanneld gives its device as {@code local}, so that the outer source is the PublicIP
 * peers know us by, whatever other addresses the host has; without one, {@code 0.0.0.0}.
 *
 * <p>The channel sends; a {@link BatchReceiver} on a duplicate of its descriptor receives. Netty's own reading stays
 * off ({@code AUTO_READ} false): it would build objects per datagram, and in 4.2.18 its recvmmsg path cannot carry
 * UDP_GRO runs. Netty still reads once when the socket reports an error (EPOLLERR), with recvmsg into one 64 KB
 * buffer; the channel's handler takes those datagrams like any others.
 *
 * <p>With {@code gro}, UDP_GRO is on, so one received slot may hold a run of coalesced datagrams; each slot is then
 * {@value #GRO_SLOT} bytes, {@value #GRO_SLOTS} of them. Without it, {@value #PLAIN_SLOTS} slots of one datagram
 * each, as large (a kernel peer's GSO packet arrives as one datagram of up to 64 KB). {@code -Dweft.udp.gro=off} turns UDP_GRO off.
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
    /** Netty's own reads (only after a socket error): one recvmsg into a buffer this large. */
    static final int FALLBACK_READ_BUFFER = 64 * 1024;
    /** Netty's own reads per EPOLLERR wakeup. */
    static final int READS_PER_WAKEUP = 16;
    /** Slots of a {@link BatchReceiver} with UDP_GRO: each holds one run of up to 64 KB. */
    public static final int GRO_SLOTS = 16;
    /** Slots of a {@link BatchReceiver} without UDP_GRO: each holds one datagram. */
    public static final int PLAIN_SLOTS = 64;
    /** System property: {@code off} turns UDP_GRO off (see {@link #groWanted()}). */
    public static final String GRO_PROPERTY = "weft.udp.gro";
    /** The largest UDP payload over IPv4, rounded up: one slot holds any GRO run. */
    public static final int GRO_SLOT = 64 * 1024;

    /** {@code IPPROTO_IPV6} / {@code IPV6_V6ONLY}: an AF_INET6 socket that takes no IPv4 (the IPv4 socket does). */
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;

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

    /**
     * Binds one worker's channel on {@code loop}, asking for UDP_GRO if {@code gro}; blocks until bound. The channel
     * does not read: see the class comment, and {@link #openReceiver}.
     */
    public static Channel bind(IoEventLoop loop, int port, ChannelHandler handler, boolean gro) {
        return bind(loop, null, port, handler, gro);
    }

    /** As {@link #bind(IoEventLoop, int, ChannelHandler, boolean)}, on {@code address} (null: any address). */
    public static Channel bind(IoEventLoop loop, Inet4Address address, int port, ChannelHandler handler, boolean gro) {
        Bootstrap b = bootstrap(loop, handler, gro).channelFactory(() -> new EpollDatagramChannel(SocketProtocolFamily.INET));
        String where = (address == null ? "0.0.0.0" : address.getHostAddress()) + ":" + port;
        ChannelFuture f = b.bind(address == null ? new InetSocketAddress("0.0.0.0", port) : new InetSocketAddress(address, port))
                .awaitUninterruptibly();
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            String msg = cause == null ? "unknown error" : String.valueOf(cause.getMessage());
            if (address != null && Errno.is(cause, Errno.EADDRNOTAVAIL)) {
                throw new DataPlaneException("cannot bind UDP " + where + ": this host has no address "
                        + address.getHostAddress() + " (any more); check -iface / -public-ip", cause);
            }
            if (cause instanceof BindException || Errno.is(cause, Errno.EADDRINUSE)) {
                String holder = UdpPortHolder.describe(port).orElse("another socket");
                throw new DataPlaneException(UdpPortHolder.inUseMessage(port, holder), cause);
            }
            throw new DataPlaneException("cannot bind UDP " + where + ": " + msg, cause);
        }
        Channel ch = f.channel();
        forceBufferSizes(((EpollDatagramChannel) ch).fd().intValue(), SOCKET_BUFFER_BYTES);
        return ch;
    }

    /**
     * As {@link #bind(IoEventLoop, Inet4Address, int, ChannelHandler, boolean)} for the IPv6 underlay: an AF_INET6
     * socket with IPV6_V6ONLY (so it never shares the port's IPv4 traffic with the IPv4 sockets) bound to
     * {@code [address]:port} ({@code [::]} for null), as flanneld's {@code flannel-v6.<VNI>} device has the PublicIPv6
     * as its {@code local}.
     */
    public static Channel bindV6(IoEventLoop loop, Inet6Address address, int port, ChannelHandler handler, boolean gro) {
        Bootstrap b = bootstrap(loop, handler, gro).channelFactory(() -> {
            EpollDatagramChannel ch = new EpollDatagramChannel(SocketProtocolFamily.INET6);
            if (LibC.setsockopt(ch.fd().intValue(), IPPROTO_IPV6, IPV6_V6ONLY, 1) != 0) {
                throw new DataPlaneException("setsockopt(IPV6_V6ONLY) on the IPv6 VXLAN socket failed: errno " + LibC.errno());
            }
            return ch;
        });
        String where = "[" + (address == null ? "::" : address.getHostAddress()) + "]:" + port;
        ChannelFuture f = b.bind(address == null ? new InetSocketAddress("::", port) : new InetSocketAddress(address, port))
                .awaitUninterruptibly();
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            if (address != null && Errno.is(cause, Errno.EADDRNOTAVAIL)) {
                throw new DataPlaneException("cannot bind UDP " + where + ": this host has no address "
                        + address.getHostAddress() + " (any more, or it is still tentative); check -iface / -public-ipv6",
                        cause);
            }
            if (cause instanceof BindException || Errno.is(cause, Errno.EADDRINUSE)) {
                throw new DataPlaneException("cannot bind UDP " + where + ": another socket holds the IPv6 port " + port
                        + "; stop it (flanneld's flannel-v6 device?) or choose another Backend.Port", cause);
            }
            throw new DataPlaneException("cannot bind UDP " + where + ": " + (cause == null ? "unknown error"
                    : cause.getMessage()), cause);
        }
        Channel ch = f.channel();
        forceBufferSizes(((EpollDatagramChannel) ch).fd().intValue(), SOCKET_BUFFER_BYTES);
        return ch;
    }

    /**
     * A worker's channel over a socket an earlier weft bound (handed back by the service manager's fd store), with the
     * options {@link #bind} gives; datagrams that arrived while no weft ran are still in its receive buffer.
     *
     * @throws DataPlaneException if {@code fd} is not a UDP socket bound to {@code port}
     */
    public static Channel adopt(IoEventLoop loop, int fd, int port, ChannelHandler handler, boolean gro) {
        EpollDatagramChannel channel = new EpollDatagramChannel(fd);
        InetSocketAddress local = channel.localAddress();
        if (local == null || local.getPort() != port) {
            channel.unsafe().closeForcibly();
            throw new DataPlaneException("the socket handed back as fd " + fd + " is bound to " + local + ", not to port " + port);
        }
        ChannelFuture f = bootstrap(loop, handler, gro).channelFactory(() -> channel).register().awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new DataPlaneException("cannot take over the VXLAN socket fd " + fd + ": " + f.cause(), f.cause());
        }
        forceBufferSizes(fd, SOCKET_BUFFER_BYTES);
        return channel;
    }

    /** The socket descriptor of a channel made by {@link #bind} or {@link #adopt}. */
    public static int fd(Channel ch) {
        return ((EpollDatagramChannel) ch).fd().intValue();
    }

    private static Bootstrap bootstrap(IoEventLoop loop, ChannelHandler handler, boolean gro) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .option(EpollChannelOption.SO_REUSEPORT, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(2 * 1024 * 1024, 4 * 1024 * 1024))
                // recvmsg (never recvmmsg, which leaks with GRO runs in 4.2.18) for the reads after an EPOLLERR.
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 0)
                .option(ChannelOption.RECVBUF_ALLOCATOR, fallbackAllocator())
                .handler(handler);
        if (gro) {
            b.option(EpollChannelOption.UDP_GRO, true);
        }
        return b;
    }

    /**
     * SO_RCVBUFFORCE / SO_SNDBUFFORCE: as root (CAP_NET_ADMIN) these set the socket buffers above
     * {@code net.core.rmem_max}/{@code wmem_max}, which default to about 208 KB and silently cap SO_RCVBUF. Without
     * the capability the calls fail and the plain (capped) sizes stay: best effort, at start-up only. True if both
     * sizes were forced.
     */
    static boolean forceBufferSizes(int fd, int bytes) {
        return LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, bytes) == 0
                && LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, bytes) == 0;
    }

    /**
     * The reader of a bound channel's socket: {@value #GRO_SLOTS} slots of {@value #GRO_SLOT} bytes if UDP_GRO is on
     * for it, else {@value #PLAIN_SLOTS} slots of {@link #plainSlot} bytes.
     */
    public static BatchReceiver openReceiver(Channel ch, int tunMtu, ByteBufAllocator alloc) {
        int fd = ((EpollDatagramChannel) ch).fd().intValue();
        return groEnabled(ch)
                ? BatchReceiver.open(fd, GRO_SLOTS, GRO_SLOT, alloc)
                : BatchReceiver.open(fd, PLAIN_SLOTS, plainSlot(tunMtu), alloc);
    }

    /**
     * One datagram's slot without UDP_GRO: the largest UDP payload, {@value #GRO_SLOT} bytes, whatever our MTU. A
     * kernel VXLAN peer whose device does segmentation offload (a veth with its defaults) sends its TCP GSO packets
     * whole, and they reach our socket as one datagram each of up to 64 KB, with or without UDP_GRO (Linux 6.18);
     * the TUN queue cuts them. A flannel host on jumbo frames also sends larger datagrams than ours.
     */
    public static int plainSlot(int tunMtu) {
        return Math.max(maxDatagram(tunMtu), GRO_SLOT);
    }

    /**
     * False if the system property {@value #GRO_PROPERTY} is {@code off}: no kernel coalescing, one datagram per
     * slot (weft still merges what one batch holds).
     */
    public static boolean groWanted() {
        return !"off".equalsIgnoreCase(System.getProperty(GRO_PROPERTY, "on").trim());
    }

    /**
     * Fixed-size buffers, and keep reading until the socket is empty (or {@link #READS_PER_WAKEUP}): Netty's default
     * stops after any read that did not fill the whole buffer.
     */
    private static FixedRecvByteBufAllocator fallbackAllocator() {
        FixedRecvByteBufAllocator a = new FixedRecvByteBufAllocator(FALLBACK_READ_BUFFER);
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
