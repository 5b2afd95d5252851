package io.weft.dataplane.socket;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.weft.dataplane.DataPlaneException;
import io.weft.dataplane.os.Errno;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Peer;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TCP fallback transport: a listener on the fallback port and one connection per pair of weft hosts, carrying the
 * same VXLAN frames as UDP (see {@link TcpFrameReader} for the framing) for peers whose UDP paths get no answer. The
 * connections live on the workers' event loops; a frame read on one goes to that loop's worker's decapsulator, with
 * the connection's remote address as the sender, so it meets every check a UDP datagram meets.
 *
 * <ul>
 *   <li>Who dials: of a pair, the host with the lower PublicIP (then the lower subnet), so a pair has one connection.
 *   It keeps one to every weft peer that advertises a TcpPort, redialling with a backoff from 1 s to 30 s, so the
 *   TCP path can be probed (and is ready) before UDP fails.</li>
 *   <li>Who may connect: only an address a weft peer's lease or advert names; anything else is closed at once and
 *   counted in {@code drop_tcp_refused}.</li>
 * </ul>
 */
public final class TcpTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpTransport.class);
    /** Socket buffers: a 10 Gb/s stream with a few ms of RTT needs a few MB in flight. */
    static final int SOCKET_BUFFER = 4 * 1024 * 1024;
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(4 << 20, 8 << 20);
    /**
     * Reads of up to 256 KB: the frames of one read are one batch for the TUN queue, which merges a flow's segments
     * only within a batch, so small reads would hand the kernel many small packets.
     */
    private static final AdaptiveRecvByteBufAllocator READS = new AdaptiveRecvByteBufAllocator(16 << 10, 64 << 10, 256 << 10);
    private static final long MIN_BACKOFF_MS = 1000;
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final int CONNECT_TIMEOUT_MS = 5000;

    /** What one worker's loop hands TCP-borne frames to. */
    public record LoopSide(DatagramSink sink, TcpReplies replies) {
    }

    private final int port;
    private final Inet4Address bindAddress;
    private final int ourPublicIp;
    private final int ourSubnet;
    private final EventLoopGroup group;
    private final PublishedTable table;
    private final Map<EventLoop, LoopSide> sides;
    private final TcpLinks links;
    private final int workers;
    /** Mutual TLS on every connection, or null for plain TCP. */
    private final TcpTls tls;
    private final AtomicLong tlsRefused = new AtomicLong();
    private final Set<java.net.InetAddress> tlsFailuresLogged = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final ScheduledExecutorService dialer = Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("weft-tcp-dial", true));
    /** Dial state by peer PublicIP; the dialer thread's only. */
    private final Map<Integer, Dial> dials = new HashMap<>();
    private Channel listener;

    private static final class Dial {
        long nextAt;
        long backoffMs = MIN_BACKOFF_MS;
        boolean inFlight;
        boolean failureLogged;
    }

    /**
     * @param bindAddress the address to listen on and dial from (null: any)
     * @param ourPublicIp this host's lease PublicIP, for who dials
     * @param ourSubnet   this host's subnet address, to break a tie of PublicIPs
     * @param tls         mutual TLS on every connection, or null for plain TCP
     */
    public TcpTransport(int port, Inet4Address bindAddress, int ourPublicIp, int ourSubnet, EventLoopGroup group,
                        PublishedTable table, Map<EventLoop, LoopSide> sides, TcpLinks links, int workers, TcpTls tls) {
        this.port = port;
        this.bindAddress = bindAddress;
        this.ourPublicIp = ourPublicIp;
        this.ourSubnet = ourSubnet;
        this.group = group;
        this.table = table;
        this.sides = Map.copyOf(sides);
        this.links = links;
        this.workers = workers;
        this.tls = tls;
    }

    public int port() {
        return port;
    }

    /** Binds the listener and starts dialling; blocks until bound. */
    public void start() {
        ServerBootstrap b = new ServerBootstrap().group(group, group).channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRegistered(ChannelHandlerContext ctx) {
                        Channel ch = ctx.channel();
                        ctx.pipeline().remove(this);
                        accepted(ch);
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                });
        configure(b);
        InetSocketAddress at = bindAddress == null ? new InetSocketAddress("0.0.0.0", port) : new InetSocketAddress(bindAddress, port);
        ChannelFuture f = b.bind(at).awaitUninterruptibly();
        if (!f.isSuccess()) {
            String why = Errno.is(f.cause(), Errno.EADDRINUSE) ? "the port is in use by another process"
                    : String.valueOf(f.cause().getMessage());
            throw new DataPlaneException("cannot listen on TCP " + Subnet.formatAddress(at.getAddress()) + ":" + port
                    + " for the TCP fallback (" + why + "); choose another port with --tcp-fallback-port, or turn the"
                    + " fallback off with --tcp-fallback-port=0");
        }
        listener = f.channel();
        dialer.scheduleWithFixedDelay(this::maintain, 0, 500, TimeUnit.MILLISECONDS);
        LOG.info("TCP fallback listening on {}:{}{}", Subnet.formatAddress(at.getAddress()), port,
                tls == null ? "" : " (mutual TLS)");
    }

    private void configure(ServerBootstrap b) {
        b.childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
                .childOption(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, READS);
    }

    /** On the child's loop: a weft peer's connection becomes its link; anyone else's is closed and counted. */
    private void accepted(Channel ch) {
        InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
        int from = remote.getAddress() instanceof Inet4Address a ? Subnet.bytesToInt(a.getAddress(), 0) : 0;
        Peer peer = weftPeerAt(table.current(), from);
        if (peer == null) {
            refused.incrementAndGet();
            ch.close();
            return;
        }
        if (tls != null) {
            ch.pipeline().addFirst(tls.serverHandler(ch.alloc()));
        }
        attach(ch, peer.endpointV4());
    }

    /** The weft peer (one that advertises a TCP port) whose lease or advert names {@code address}, or null. */
    static Peer weftPeerAt(ForwardingTable t, int address) {
        if (address == 0) {
            return null;
        }
        for (Peer p : t.peers()) {
            if (p.advert() != null && p.advert().tcpPort() > 0 && p.hasV4() && p.sendsFrom(address)) {
                return p;
            }
        }
        return null;
    }

    /** On the channel's loop: the channel carries the frames of the peer at {@code peer} from now on. */
    private void attach(Channel ch, int peer) {
        LoopSide side = sides.get(ch.eventLoop());
        if (side == null) {
            ch.close(); // not one of the workers' loops: cannot happen with the workers' group
            return;
        }
        InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
        TcpLink link = new TcpLink(ch, peer, workers);
        TcpFrameReader reader = new TcpFrameReader(ch.alloc(),
                Subnet.bytesToInt(remote.getAddress().getAddress(), 0), remote.getPort());
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf in) {
                    try {
                        side.replies().from(link);
                        reader.feed(in, side.sink());
                    } finally {
                        in.release();
                    }
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                links.remove(link);
                long frames = reader.frames();
                reader.release();
                LOG.info("TCP fallback: connection with {} closed after {} frame(s)", remote, frames);
                dialer.execute(() -> {
                    Dial dial = dials.get(peer);
                    if (dial != null) {
                        // A connection that carried frames worked: redial soon. One that carried none (a refused
                        // handshake, a peer that closes at once) backs off further, so it is not redialled every second.
                        dial.backoffMs = frames > 0 ? MIN_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, dial.backoffMs * 2);
                        dial.nextAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(dial.backoffMs);
                    }
                });
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                if (event instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
                    // (the other side's certificate is not from our CA, or it speaks no TLS)
                    tlsRefused.incrementAndGet();
                    if (tlsFailuresLogged.add(remote.getAddress())) {
                        LOG.warn("TCP fallback: TLS with {} failed ({}); counted in drop_tcp_tls_refused, logged once per"
                                + " address", remote, done.cause().getMessage());
                    }
                    ctx.close();
                }
                ctx.fireUserEventTriggered(event);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                LOG.debug("TCP fallback: connection with {}: {}", remote, cause.toString());
                ctx.close();
            }
        });
        TcpLink old = links.put(link);
        if (old != null && old.channel() != ch) {
            old.channel().close();
        }
        connects.incrementAndGet();
        LOG.info("TCP fallback: connected with {} ({})", remote, ch.localAddress());
    }

    /** On the dialer thread, every half second: dials the peers we should and have no link to; drops gone peers. */
    private void maintain() {
        try {
            ForwardingTable t = table.current();
            long now = System.nanoTime();
            Set<Integer> wanted = new HashSet<>();
            for (Peer p : t.peers()) {
                if (p.advert() == null || p.advert().tcpPort() <= 0 || !p.hasV4()) {
                    continue;
                }
                int peer = p.endpointV4();
                wanted.add(peer);
                if (!weDial(p) || links.get(peer) != null) {
                    continue;
                }
                Dial d = dials.computeIfAbsent(peer, k -> new Dial());
                if (d.inFlight || now - d.nextAt < 0) {
                    continue;
                }
                dial(p, d);
            }
            dials.keySet().retainAll(wanted);
            for (TcpLink l : links.all()) {
                if (!wanted.contains(l.peer())) {
                    l.channel().close();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("TCP fallback: dialling failed: {}", e.toString());
        }
    }

    /** True if this host dials {@code p}: of the pair, the lower PublicIP dials (the lower subnet on a tie). */
    boolean weDial(Peer p) {
        int c = Integer.compareUnsigned(ourPublicIp, p.endpointV4());
        return c != 0 ? c < 0 : Integer.compareUnsigned(ourSubnet, p.subnet().v4Address()) < 0;
    }

    private void dial(Peer p, Dial d) {
        d.inFlight = true;
        int peer = p.endpointV4();
        InetSocketAddress to = new InetSocketAddress(p.endpoint().getAddress(), p.advert().tcpPort());
        Bootstrap b = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.RCVBUF_ALLOCATOR, READS)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ctx.pipeline().remove(this);
                        if (tls != null) {
                            ctx.pipeline().addFirst(tls.clientHandler(ctx.alloc()));
                        }
                        attach(ctx.channel(), peer); // before the first read
                        ctx.fireChannelActive();
                    }
                });
        ChannelFuture f = bindAddress == null ? b.connect(to) : b.connect(to, new InetSocketAddress(bindAddress, 0));
        f.addListener(done -> {
            if (!f.isSuccess()) {
                connectFailures.incrementAndGet();
            }
            dialer.execute(() -> {
                d.inFlight = false;
                if (f.isSuccess()) {
                    d.failureLogged = false; // (the backoff is reset once the connection has carried frames)
                } else {
                    if (!d.failureLogged) {
                        d.failureLogged = true;
                        LOG.info("TCP fallback: cannot connect to {} ({}); retrying with a backoff up to {} s, logged once",
                                to, f.cause() == null ? "?" : f.cause().getMessage(), MAX_BACKOFF_MS / 1000);
                    }
                    d.nextAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(d.backoffMs);
                    d.backoffMs = Math.min(MAX_BACKOFF_MS, d.backoffMs * 2);
                }
            });
        });
    }

    /** Connections whose TLS handshake failed (a certificate from another CA, or no TLS). */
    public long tlsRefused() {
        return tlsRefused.get();
    }

    /** Connections from addresses no weft lease names, closed at accept. */
    public long refused() {
        return refused.get();
    }

    public long connects() {
        return connects.get();
    }

    public long connectFailures() {
        return connectFailures.get();
    }

    /** True if there is an open connection to the peer at {@code publicIp}. */
    public boolean connected(int publicIp) {
        TcpLink l = links.get(publicIp);
        return l != null && l.channel().isActive();
    }

    @Override
    public void close() {
        dialer.shutdownNow();
        if (listener != null) {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (TcpLink l : links.all()) {
            l.channel().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
