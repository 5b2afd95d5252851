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
import io.weft.dataplane.socket.BatchReceiver;
import io.weft.dataplane.socket.ChannelSender;
import io.weft.dataplane.socket.FallbackReads;
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
    private final OuterSender sender;
    private final WorkerCounters counters;
    private final Encapsulator encapsulator;
    private final Decapsulator decapsulator;
    private final ByteBufAllocator alloc;
    private final Heartbeat heartbeat = new Heartbeat();
    private final TcpSender tcp;
    private final DataPlaneConfig config;
    private final WorkerResources resources;
    private BatchReceiver receiver;
    private IoEventLoop loop;
    private Channel channel;
    private IoRegistration tunRegistration;
    private IoRegistration socketRegistration;
    private boolean receiveErrorLogged;
    private boolean detached;

    /** A worker over the given queue and sender, not yet on a loop ({@code receiver} may be null: no socket reads). */
    Worker(WorkerResources r, OuterSender sender, BatchReceiver receiver) {
        DataPlaneConfig config = r.config();
        long ourMac = config.vtepMac().bits();
        this.index = r.index();
        this.tun = r.tun();
        this.config = config;
        this.resources = r;
        this.tcp = new TcpSender(r.index(), r.counters(), r.alloc());
        sender = new PathSender(sender, tcp); // each peer's frames go over UDP, or TCP once its path is TCP
        this.sender = sender;
        this.receiver = receiver;
        this.counters = r.counters();
        this.alloc = r.alloc();
        this.encapsulator = new Encapsulator(r.table(), sender, counters, config.vni(), ourMac);
        this.decapsulator = decapsulatorAnsweringThrough(sender);
    }

    /** The receive checks over this worker's table, TUN queue and counters; ARP and probe answers go to {@code replies}. */
    private Decapsulator decapsulatorAnsweringThrough(OuterSender replies) {
        long ourMac = config.vtepMac().bits();
        ArpResponder arp = new ArpResponder(config.vtepAddressV4(), ourMac, config.vni(), config.port(), alloc, replies,
                counters);
        PathEchoResponder pathEcho = new PathEchoResponder(config.vtepAddressV4(), ourMac, config.vni(), alloc,
                replies, counters);
        return new Decapsulator(resources.table(), tun, counters, arp, pathEcho, resources.hooks(), config.vni(), ourMac,
                config.localSubnet().v4Address(), config.localSubnet().v4Mask(), config.acceptUnknownVteps(),
                config.acceptAnyInnerSource());
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
        Channel ch = null;
        Worker w;
        try {
            ch = r.inheritedSocket() >= 0 ? VxlanSocket.adopt(loop, r.inheritedSocket(), r.config().port(), reads, r.udpGro())
                    : VxlanSocket.bind(loop, r.config().bindAddress(), r.config().port(), reads, r.udpGro());
            if (FlowSpreading.wanted()) {
                FlowSpreading.attach(VxlanSocket.fd(ch), r.config().workers());
            }
            ChannelSender sender = new ChannelSender(r.index(), ch, r.counters(), r.hooks(), r.config().port(),
                    r.udpGso());
            w = new Worker(r, sender, VxlanSocket.openReceiver(ch, r.config().mtu(), r.alloc()));
            reads.connect(w.decapsulator, sender);
        } catch (RuntimeException e) {
            if (ch != null) {
                ch.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            r.tun().close();
            throw e;
        }
        w.loop = loop;
        w.channel = ch;
        try {
            IoRegistration tunReg = loop.register(w.new Handle(w.tun.fd(), true)).syncUninterruptibly().getNow();
            IoRegistration socketReg = loop.register(w.new Handle(w.receiver.fd(), false)).syncUninterruptibly().getNow();
            loop.submit(() -> {
                w.tunRegistration = tunReg;
                w.socketRegistration = socketReg;
                tunReg.submit(EpollIoOps.EPOLLIN);
                socketReg.submit(EpollIoOps.EPOLLIN);
            }).syncUninterruptibly();
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        return w;
    }

    /** True if UDP_GRO is on for the worker's socket (the kernel accepted the option). */
    public boolean udpGroEnabled() {
        return channel != null && VxlanSocket.groEnabled(channel);
    }

    /** The descriptor of the worker's VXLAN socket (for the service manager's fd store). */
    public int socketFd() {
        return VxlanSocket.fd(channel);
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
            sender.flush();
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
            sender.flush();
        }
    }

    /**
     * Reads the socket until it is empty or {@link #SOCKET_READ_BUDGET} calls have been made; splits each GRO run
     * into its datagrams, and ends the batch (the TUN queue writes what it merged) before the next call reuses the
     * buffers.
     */
    void drainSocket() {
        BatchReceiver rx = receiver;
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
                int sender = rx.senderAddress(i);
                int port = rx.senderPort(i);
                int segment = rx.segmentSize(i);
                if (segment <= 0 || segment >= length) {
                    decapsulator.datagram(c, at, length, sender, port);
                } else {
                    for (int end = at + length; at < end; at += segment) {
                        decapsulator.datagram(c, at, Math.min(segment, end - at), sender, port);
                    }
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
        if (receiver != null) {
            receiver.close();
            receiver = null;
        }
        tun.close();
    }

    /** One descriptor on the loop: the TUN queue's (drained into the encapsulator) or the socket reader's. */
    private final class Handle implements EpollIoHandle {
        private final FileDescriptor fd;
        private final boolean isTun;

        Handle(FileDescriptor fd, boolean isTun) {
            this.fd = fd;
            this.isTun = isTun;
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration reg, IoEvent event) {
            if (isTun) {
                drainTun();
            } else {
                drainSocket();
            }
        }

        @Override
        public void close() {
            // The TUN fds belong to the TunDevice; the reader's descriptor is closed in detach().
        }
    }
}
