package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.Ipv6Overlay;
import io.weft.dataplane.socket.BatchReceiver;
import io.weft.dataplane.socket.ChannelSender;
import io.weft.dataplane.socket.FallbackReads;
import io.weft.dataplane.socket.BusyPoll;
import io.weft.dataplane.socket.FlowSpreading;
import io.weft.dataplane.socket.OuterSender;
import io.weft.dataplane.socket.DatagramSink;
import io.weft.dataplane.socket.PathSender;
import io.weft.dataplane.socket.TcpLinks;
import io.weft.dataplane.socket.TcpSender;
import io.weft.dataplane.socket.VxlanSocket;
import io.weft.dataplane.tun.TunQueue;
import io.weft.fdb.Peer;
import io.weft.vtep.VxlanEncap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * One worker: a TUN queue and a UDP socket served by the same event-loop thread, so a packet is handled from start to
 * finish without a queue or a lock. The worker is the glue: its lifecycle, the two drain loops (TUN to
 * {@link Encapsulator} to {@link OuterSender}; {@link BatchReceiver} to {@link Decapsulator} to {@link TunQueue}),
 * and the handles it registers on its loop. Offloads live in the {@link TunQueue} and the {@link ChannelSender}; the
 * decisions live in the encapsulator and the decapsulator. Everything here runs on the worker's loop, except
 * {@link #counters()} and {@link #heartbeat()}, which anyone reads.
 */
public final class Worker {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /** TUN reads per wakeup before the loop serves the socket again. */
    static final int TUN_READ_BUDGET = 64;
    /** recvmmsg calls per wakeup before the loop serves the TUN again (level-triggered: the rest is not lost). */
    static final int SOCKET_READ_BUDGET = 16;
    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    private final int index;
    private final TunQueue tun;
    private final WorkerCounters counters;
    private final Encapsulator encapsulator;
    private final Decapsulator decapsulator;
    private final ByteBufAllocator alloc;
    private final Heartbeat heartbeat = new Heartbeat();
    private final TcpSender tcp;
    /** IPv4-underlay frames: UDP, or a peer's TCP fallback connection once its path is TCP. */
    private final OuterSender sender;
    private final DataPlaneConfig config;
    private final WorkerResources resources;
    /** The IPv6 underlay's sender, or null (no IPv6 overlay). */
    private final OuterSender senderV6;
    private BatchReceiver receiver;
    /** The IPv6 underlay's reader, or null (no IPv6 overlay). */
    private BatchReceiver receiverV6;
    private IoEventLoop loop;
    private Channel channel;
    private Channel channelV6;
    private IoRegistration tunRegistration;
    private IoRegistration socketRegistration;
    private IoRegistration socketV6Registration;
    private boolean receiveErrorLogged;
    private boolean detached;

    /** A worker over the given queue and sender, not yet on a loop ({@code receiver} may be null: no socket reads). */
    Worker(WorkerResources r, OuterSender sender, BatchReceiver receiver) {
        this(r, sender, receiver, null, null);
    }

    /**
     * As {@link #Worker(WorkerResources, OuterSender, BatchReceiver)}, with the IPv6 underlay's sender and reader
     * ({@code senderV6} is required exactly when the config has an IPv6 overlay; {@code receiverV6} may be null).
     * {@code sender} and {@code receiver} are null on an IPv6-only host, which has no IPv4 socket
     * ({@link io.weft.dataplane.DataPlaneConfig#ipv4Underlay()}): IPv4 packets from the TUN are then no_route.
     */
    Worker(WorkerResources r, OuterSender sender, BatchReceiver receiver, OuterSender senderV6, BatchReceiver receiverV6) {
        DataPlaneConfig config = r.config();
        Ipv6Overlay v6 = config.ipv6();
        if ((v6 == null) != (senderV6 == null)) {
            throw new IllegalArgumentException("an IPv6 sender is needed exactly when the config has an IPv6 overlay");
        }
        this.receiverV6 = receiverV6;
        long ourMac = config.vtepMac().bits();
        this.index = r.index();
        this.tun = r.tun();
        this.config = config;
        this.resources = r;
        this.senderV6 = senderV6;
        this.tcp = new TcpSender(r.index(), r.counters(), r.alloc());
        // each peer's IPv4-underlay frames go over UDP, or TCP once its path is TCP; none without an IPv4 underlay
        sender = sender == null ? null : new PathSender(sender, tcp);
        this.sender = sender;
        this.receiver = receiver;
        this.counters = r.counters();
        this.alloc = r.alloc();
        this.encapsulator = new Encapsulator(r.table(), sender, senderV6, counters, config.vni(), ourMac,
                v6 == null ? 0 : v6.vtepMac().bits());
        this.decapsulator = decapsulatorAnsweringThrough(sender);
    }

    /**
     * The receive checks over this worker's table, TUN queue and counters; ARP and probe answers go to {@code replies},
     * NDP answers to the IPv6 socket (IPv6 frames arrive only there: the TCP fallback carries the IPv4 underlay's).
     */
    private Decapsulator decapsulatorAnsweringThrough(OuterSender replies) {
        long ourMac = config.vtepMac().bits();
        Ipv6Overlay v6 = config.ipv6();
        ArpResponder arp = new ArpResponder(config.vtepAddressV4(), ourMac, config.vni(), config.port(), alloc, replies,
                counters);
        PathEchoResponder pathEcho = new PathEchoResponder(config.vtepAddressV4(), ourMac, config.vni(), alloc,
                replies, counters);
        NdpResponder ndp = v6 == null ? null : new NdpResponder(v6.vtepAddressHi(), v6.vtepAddressLo(),
                v6.vtepMac().bits(), config.vni(), config.port(), alloc, senderV6, counters);
        return new Decapsulator(resources.table(), tun, counters, arp, pathEcho, resources.hooks(), config.vni(), ourMac,
                config.hasIpv4(), config.hasIpv4() ? config.localSubnet().v4Address() : 0,
                config.hasIpv4() ? config.localSubnet().v4Mask() : 0, config.acceptUnknownVteps(),
                config.acceptAnyInnerSource(), v6, ndp);
    }

    /**
     * Binds the worker's socket on its loop, registers the TUN queue and the socket's reader there and starts serving
     * both; blocks until it does.
     *
     * @throws io.weft.dataplane.DataPlaneException if the socket cannot be bound
     */
    public static Worker start(WorkerResources r) {
        IoEventLoop loop = r.loop();
        FallbackReads reads = new FallbackReads();
        FallbackReads readsV6 = new FallbackReads();
        Channel ch = null;
        Channel ch6 = null;
        Worker w;
        try {
            ChannelSender sender = null;
            if (r.config().ipv4Underlay()) {
                ch = r.inheritedSocket() >= 0 ? VxlanSocket.adopt(loop, r.inheritedSocket(), r.config().port(), reads, r.udpGro())
                        : VxlanSocket.bind(loop, r.config().bindAddress(), r.config().port(), reads, r.udpGro());
                if (FlowSpreading.wanted()) {
                    FlowSpreading.attach(VxlanSocket.fd(ch), r.config().workers());
                }
                sender = new ChannelSender(r.index(), ch, r.counters(), r.hooks(), r.config().port(), r.udpGso());
            }
            int busyPoll = BusyPoll.wanted();
            busyPoll(ch, busyPoll, r.index(), "IPv4");
            ChannelSender senderV6 = null;
            Ipv6Overlay v6 = r.config().ipv6();
            if (v6 != null) {
                ch6 = r.inheritedSocketV6() >= 0
                        ? VxlanSocket.adopt(loop, r.inheritedSocketV6(), r.config().port(), readsV6, r.udpGro())
                        : VxlanSocket.bindV6(loop, v6.bindAddress(), r.config().port(), readsV6, r.udpGro());
                busyPoll(ch6, busyPoll, r.index(), "IPv6");
                senderV6 = new ChannelSender(r.index(), ch6, r.counters(), r.hooks(), r.config().port(), r.udpGso(), true);
            }
            w = new Worker(r, sender, ch == null ? null : VxlanSocket.openReceiver(ch, r.config().mtu(), r.alloc()),
                    senderV6, ch6 == null ? null : VxlanSocket.openReceiver(ch6, r.config().mtu(), r.alloc()));
            w.channelV6 = ch6;
            if (sender != null) {
                reads.connect(w.decapsulator, sender);
            }
            if (senderV6 != null) {
                readsV6.connect(w.decapsulator, senderV6);
            }
        } catch (RuntimeException e) {
            if (ch != null) {
                ch.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            if (ch6 != null) {
                ch6.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            r.tun().close();
            throw e;
        }
        w.loop = loop;
        w.channel = ch;
        try {
            IoRegistration tunReg = loop.register(w.new Handle(w.tun.fd(), Source.TUN)).syncUninterruptibly().getNow();
            IoRegistration socketReg = w.receiver == null ? null
                    : loop.register(w.new Handle(w.receiver.fd(), Source.SOCKET)).syncUninterruptibly().getNow();
            IoRegistration socketV6Reg = w.receiverV6 == null ? null
                    : loop.register(w.new Handle(w.receiverV6.fd(), Source.SOCKET_V6)).syncUninterruptibly().getNow();
            loop.submit(() -> {
                w.tunRegistration = tunReg;
                w.socketRegistration = socketReg;
                w.socketV6Registration = socketV6Reg;
                tunReg.submit(EpollIoOps.EPOLLIN);
                if (socketReg != null) {
                    socketReg.submit(EpollIoOps.EPOLLIN);
                }
                if (socketV6Reg != null) {
                    socketV6Reg.submit(EpollIoOps.EPOLLIN);
                }
            }).syncUninterruptibly();
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        return w;
    }

    /** SO_BUSY_POLL of {@code micros} (0: none asked) on a VXLAN socket, if it exists; a refusal is said, not ignored. */
    private static void busyPoll(Channel socket, int micros, int worker, String family) {
        if (micros > 0 && socket != null && !BusyPoll.apply(VxlanSocket.fd(socket), micros)) {
            LOG.warn("worker {}: SO_BUSY_POLL {} us refused on the {} socket (errno {}); receiving without busy polling",
                    worker, micros, family, io.weft.dataplane.os.LibC.errno());
        }
    }

    /** True if UDP_GRO is on for the worker's socket (the kernel accepted the option); its IPv6 one if IPv6-only. */
    public boolean udpGroEnabled() {
        Channel c = channel != null ? channel : channelV6;
        return c != null && VxlanSocket.groEnabled(c);
    }

    /**
     * The descriptor of the worker's IPv4 VXLAN socket (for the service manager's fd store), or -1 on an IPv6-only host,
     * which binds none ({@link io.weft.dataplane.DataPlaneConfig#ipv4Underlay()}).
     */
    public int socketFd() {
        return channel == null ? -1 : VxlanSocket.fd(channel);
    }

    /** The descriptor of the worker's IPv6 VXLAN socket, or -1 without an IPv6 underlay (for the fd store). */
    public int socketV6Fd() {
        return channelV6 == null ? -1 : VxlanSocket.fd(channelV6);
    }

    /** The worker's counters: anyone may read them, at any time. */
    public WorkerCounters counters() {
        return counters;
    }

    /** The worker's liveness signal: {@link #beat()} on its loop bumps it. */
    public Heartbeat heartbeat() {
        return heartbeat;
    }

    Encapsulator encapsulator() {
        return encapsulator;
    }

    Decapsulator decapsulator() {
        return decapsulator;
    }

    /** Any thread: asks the loop to bump the heartbeat when it next runs its tasks. */
    public void beat() {
        loop.execute(heartbeat::beat);
    }

    /** Any thread: hands {@code ipv4Packet} (a probe) to the loop, to be encapsulated as if read from the TUN. */
    public void inject(byte[] ipv4Packet) {
        loop.execute(() -> injectInner(ipv4Packet));
    }

    /** On the loop: encapsulates {@code ipv4Packet} and sends it. */
    void injectInner(byte[] ipv4Packet) {
        if (ipv4Packet.length > tun.maxPacketLength()) {
            return;
        }
        ByteBuf buf = alloc.directBuffer(VxlanEncap.HEADROOM + ipv4Packet.length);
        buf.setBytes(VxlanEncap.HEADROOM, ipv4Packet);
        if (encapsulator.packet(buf, VxlanEncap.HEADROOM, ipv4Packet.length)) {
            encapsulator.flush();
        } else {
            buf.release();
        }
    }

    /** Any thread: as {@link #inject}, with the frame sent to {@code via} whatever path the peer uses now. */
    public void injectVia(byte[] ipv4Packet, java.net.InetSocketAddress via) {
        loop.execute(() -> {
            if (ipv4Packet.length > tun.maxPacketLength()) {
                return;
            }
            ByteBuf buf = alloc.directBuffer(VxlanEncap.HEADROOM + ipv4Packet.length);
            buf.setBytes(VxlanEncap.HEADROOM, ipv4Packet);
            if (!encapsulator.packetVia(buf, VxlanEncap.HEADROOM, ipv4Packet.length, via)) {
                buf.release();
            }
        });
    }

    /** Any thread: this worker's frames for peers on the TCP path go over {@code links} from now on. */
    public void useTcp(TcpLinks links) {
        loop.execute(() -> tcp.use(links));
    }

    /** The event loop the worker runs on (TCP fallback connections registered there feed {@link #tcpSink}). */
    public IoEventLoop loop() {
        return loop;
    }

    /**
     * A decapsulator for frames that arrive over TCP fallback connections on this worker's loop: the same checks and
     * counters as the UDP one, and the same TUN queue, but probe and ARP answers go back through {@code replies} (the
     * connection the frame came on). Used on this worker's loop only.
     */
    public DatagramSink tcpSink(OuterSender replies) {
        return decapsulatorAnsweringThrough(replies);
    }

    /** Any thread: as {@link #inject}, with the frame sent over the TCP fallback connection to its peer. */
    public void injectTcp(byte[] ipv4Packet) {
        loop.execute(() -> {
            if (ipv4Packet.length > tun.maxPacketLength()) {
                return;
            }
            ByteBuf buf = alloc.directBuffer(VxlanEncap.HEADROOM + ipv4Packet.length);
            buf.setBytes(VxlanEncap.HEADROOM, ipv4Packet);
            Peer peer = encapsulator.frame(buf, VxlanEncap.HEADROOM, ipv4Packet.length);
            if (peer == null) {
                buf.release();
            } else {
                tcp.sendNow(buf, peer); // (it releases the buffer if there is no connection)
            }
        });
    }

    /** Reads TUN packets until EAGAIN or the budget, encapsulates and queues each, flushes once. */
    void drainTun() {
        int queued = 0;
        for (int i = 0; i < TUN_READ_BUDGET; i++) {
            int r = tun.read(encapsulator);
            if (r == TunQueue.READ_NOTHING) {
                break;
            }
            queued += r;
        }
        if (queued > 0) {
            encapsulator.flush();
        }
    }

    /**
     * Reads the socket until it is empty or {@link #SOCKET_READ_BUDGET} calls have been made; splits each GRO run
     * into its datagrams, and ends the batch (the TUN queue writes what it merged) before the next call reuses the
     * buffers.
     */
    void drainSocket() {
        drain(receiver, false);
    }

    /** As {@link #drainSocket()} for the IPv6 underlay's socket. */
    void drainSocketV6() {
        drain(receiverV6, true);
    }

    private void drain(BatchReceiver rx, boolean v6) {
        if (rx == null) {
            return;
        }
        ByteBuf c = rx.buffer();
        for (int call = 0; call < SOCKET_READ_BUDGET; call++) {
            int n = rx.receive();
            if (n == 0) {
                return;
            }
            if (n < 0) {
                counters.increment(Counter.DROP_SOCKET_ERROR);
                if (!receiveErrorLogged) {
                    receiveErrorLogged = true;
                    LOG.warn("worker {}: receiving on the VXLAN socket failed (errno {}); counted in drop_socket_error,"
                            + " logged once", index, -n);
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                if (rx.truncated(i)) {
                    counters.increment(Counter.DROP_TOO_LONG);
                    continue;
                }
                int at = rx.offset(i);
                int length = rx.length(i);
                int port = rx.senderPort(i);
                int segment = rx.segmentSize(i);
                if (segment <= 0 || segment >= length) {
                    segment = length;
                }
                int end = at + length;
                if (v6) {
                    long hi = rx.senderV6Hi(i);
                    long lo = rx.senderV6Lo(i);
                    do { // (once for an empty datagram, which decap counts as too short)
                        decapsulator.datagramV6(c, at, Math.min(segment, end - at), hi, lo, port);
                        at += segment;
                    } while (at < end);
                } else {
                    int sender = rx.senderAddress(i);
                    do {
                        decapsulator.datagram(c, at, Math.min(segment, end - at), sender, port);
                        at += segment;
                    } while (at < end);
                }
            }
            decapsulator.endOfBatch();
            if (n < rx.slots()) {
                return; // the queue is (most likely) empty; level-triggered epoll calls again if not
            }
        }
    }

    /**
     * Stops the worker: on its loop, stops reading the TUN and the socket and gives back the buffers; then closes the
     * socket. The TUN descriptor stays the device's. Waits at most a few seconds for the loop.
     */
    public void close() {
        if (loop != null) {
            try {
                loop.submit(this::detach).await(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            detach();
        }
        if (channel != null) {
            channel.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        if (channelV6 != null) {
            channelV6.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private void detach() {
        if (detached) {
            return;
        }
        detached = true;
        if (tunRegistration != null) {
            tunRegistration.cancel();
            tunRegistration = null;
        }
        if (socketRegistration != null) {
            socketRegistration.cancel();
            socketRegistration = null;
        }
        if (socketV6Registration != null) {
            socketV6Registration.cancel();
            socketV6Registration = null;
        }
        if (receiver != null) {
            receiver.close();
            receiver = null;
        }
        if (receiverV6 != null) {
            receiverV6.close();
            receiverV6 = null;
        }
        tun.close();
    }

    /** What a {@link Handle} serves. */
    private enum Source { TUN, SOCKET, SOCKET_V6 }

    /** One descriptor on the loop: the TUN queue's (drained into the encapsulator) or a socket reader's. */
    private final class Handle implements EpollIoHandle {
        private final FileDescriptor fd;
        private final Source source;

        Handle(FileDescriptor fd, Source source) {
            this.fd = fd;
            this.source = source;
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration reg, IoEvent event) {
            switch (source) {
                case TUN -> drainTun();
                case SOCKET -> drainSocket();
                case SOCKET_V6 -> drainSocketV6();
            }
        }

        @Override
        public void close() {
            // The TUN fds belong to the TunDevice; the reader's descriptor is closed in detach().
        }
    }
}
