package io.weft.dataplane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.dataplane.probe.ProbeInjector;
import io.weft.dataplane.socket.SocketDrops;
import io.weft.dataplane.socket.TcpLinks;
import io.weft.dataplane.socket.TcpReplies;
import io.weft.dataplane.socket.TcpTransport;
import io.weft.dataplane.socket.VxlanSocket;
import io.weft.dataplane.tun.TunDevice;
import io.weft.dataplane.tun.TunOffloads;
import io.weft.dataplane.tun.TunQueueDrops;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.weft.dataplane.worker.Counter;
import io.weft.dataplane.tun.TunQueue;
import io.weft.dataplane.worker.Worker;
import io.weft.dataplane.worker.WorkerCounters;
import io.weft.dataplane.worker.WorkerResources;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The running packet engine: a TUN device and a VXLAN UDP port, served by {@code workers} event loops. Each loop
 * owns one TUN queue and one SO_REUSEPORT socket; the control plane talks to the workers only through the
 * {@link PublishedTable} it passed in (publish a new snapshot at any time).
 *
 * <p>With an {@link Ipv6Overlay} the same TUN device carries IPv6 too (an L3 TUN tells the families apart by the first
 * nibble; flanneld's second device, {@code flannel-v6.<VNI>}, exists only because a kernel VXLAN device has one
 * underlay family), and each worker has a second, AF_INET6 socket on the same port for the IPv6 underlay.
 *
 * <p>Starting opens the TUN device; giving it an address, MTU and route is {@code TunLinkSetup}'s job, done by
 * the caller after {@link #start}. {@link #close()} closes fds and channels and changes nothing else on the host.
 */
public final class DataPlane implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataPlane.class);
    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    private final DataPlaneConfig config;
    private final MultiThreadIoEventLoopGroup group;
    private final TunDevice tun;
    private final List<Worker> workers;
    private final DataPlaneHooks hooks = new DataPlaneHooks();
    private DataPlaneCapabilities capabilities;
    private TunQueueDrops tunQueueDrops;
    private SocketDrops socketDrops;
    /** Per worker: the heartbeat count it reaches once it has run the beat {@link #workersAlive} last asked for. */
    private long[] beatsAsked = new long[0];
    /** The TCP fallback transport, once {@link #startTcpFallback} ran; null: UDP only. */
    private volatile TcpTransport tcp;

    private DataPlane(DataPlaneConfig config, MultiThreadIoEventLoopGroup group, TunDevice tun, List<Worker> workers) {
        this.config = config;
        this.group = group;
        this.tun = tun;
        this.workers = workers;
    }

    /**
     * Opens the TUN device, binds the VXLAN port on every worker and starts forwarding.
     *
     * @throws DataPlaneException with a one-line, actionable message if the host is not ready
     */
    public static DataPlane start(DataPlaneConfig config, PublishedTable table) {
        return start(config, table, InheritedFds.NONE);
    }

    /**
     * Like {@link #start(DataPlaneConfig, PublishedTable)}, but takes the TUN queues and the sockets from {@code fds}
     * where they fit this config (one of each per worker, the same device); what does not fit is opened anew and left
     * for the caller to close.
     */
    public static DataPlane start(DataPlaneConfig config, PublishedTable table, InheritedFds fds) {
        if (!Epoll.isAvailable()) {
            throw new DataPlaneException("Netty's native epoll transport is unavailable (" + Epoll.unavailabilityCause()
                    + "); weft needs Linux on x86_64 with the bundled netty-transport-native-epoll");
        }
        NettyLeakDetection.offUnlessAsked();
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        ByteBuf probe = alloc.directBuffer(1);
        boolean addressable = probe.hasMemoryAddress();
        probe.release();
        if (!addressable) {
            throw new DataPlaneException("direct buffers have no memory address (sun.misc.Unsafe unavailable); run weft on"
                    + " a standard JDK 17+ without -Dio.netty.noUnsafe");
        }
        if (!(config.hasIpv4() ? fds.hasSockets(config.workers()) : fds.hasSockets6(config.workers()))) {
            // (inherited sockets hold the port themselves, and so does the fd store that kept them; an IPv6-only host
            // has only IPv6 ones)
            VxlanSocket.requirePortFree(config.port());
        }
        TunDevice tun = openTun(config, fds);
        TunOffloads tunOffloads = tun.offloads();
        boolean udpGso = tunOffloads.tso() && VxlanSocket.gsoSupported();
        // No cap on the TUN's gso_max_segs, although a 64 KB super-packet (46 segments at MTU 1450) takes two UDP GSO
        // sends (44 + 2; a datagram holds at most 64 KB): pods' traffic is forwarded, not sent from this namespace,
        // and the kernel cuts a forwarded super-packet with more segments than the TUN's cap into single packets
        // before weft sees it. With the cap (44), pod to pod TCP ran at 1.1 Gb/s in the demo; without it, 2.2.
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(config.workers(),
                new DefaultThreadFactory("weft-worker", true), EpollIoHandler.newFactory());
        List<Worker> workers = new ArrayList<>();
        DataPlane dp = new DataPlane(config, group, tun, workers);
        try {
            int i = 0;
            for (EventExecutor e : group) {
                WorkerCounters counters = new WorkerCounters();
                TunQueue queue = TunQueue.open(tun.queues().get(i), tunOffloads.vnetHdr(), config.mtu(), alloc, counters);
                workers.add(Worker.start(new WorkerResources(i, config, table, (IoEventLoop) e, queue, counters, dp.hooks,
                        alloc, udpGso, tunOffloads.vnetHdr() && VxlanSocket.groWanted(), fds.socket(i, config.workers()),
                        fds.socket6(i, config.workers()))));
                i++;
            }
        } catch (RuntimeException ex) {
            dp.close();
            throw ex;
        }
        boolean udpGro = !workers.isEmpty() && workers.get(0).udpGroEnabled();
        dp.capabilities = new DataPlaneCapabilities(config.offloads(), tunOffloads.vnetHdr(), tunOffloads.checksum(),
                tunOffloads.tso(), tunOffloads.uso(), udpGso, udpGro);
        LOG.info("{}: {} worker(s), {}{}", tun.name(), config.workers(), dp.capabilities.summary(),
                config.ipv6() == null ? "" : "; IPv6 overlay " + config.ipv6().localSubnet() + " over UDP ["
                        + (config.ipv6().bindAddress() == null ? "::" : config.ipv6().bindAddress().getHostAddress())
                        + "]:" + config.port() + (config.hasIpv4() ? "" : " (IPv6 only)"));
        if (config.offloads() && !tunOffloads.tso()) {
            LOG.warn("{}: the kernel did not grant TUN TSO offload; forwarding packet by packet (slower)", tun.name());
        }
        dp.hooks.setInjector(new ProbeInjector() {
            @Override
            public boolean inject(byte[] ipv4Packet) {
                return dp.inject(ipv4Packet);
            }

            @Override
            public boolean injectVia(byte[] ipv4Packet, InetSocketAddress via) {
                return dp.injectVia(ipv4Packet, via);
            }

            @Override
            public boolean injectVia(byte[] ipv4Packet, io.weft.fdb.path.PathCandidate via) {
                if (via.kind() != io.weft.fdb.path.PathKind.TCP) {
                    return dp.injectVia(ipv4Packet, via.endpoint());
                }
                if (dp.tcp == null || dp.workers.isEmpty()) {
                    return false;
                }
                dp.workers.get(0).injectTcp(ipv4Packet);
                return true;
            }
        });
        // Drops the kernel makes on weft's behalf, from here on (a device or sockets kept across a restart have counts).
        dp.tunQueueDrops = TunQueueDrops.from(tun.name());
        List<Integer> socketFds = new ArrayList<>(dp.socketFds());
        socketFds.addAll(dp.socket6Fds());
        dp.socketDrops = SocketDrops.from(socketFds);
        dp.hooks.markConnected();
        return dp;
    }

    /** The inherited TUN queues if they are this device's, else the device opened (or attached to) anew. */
    private static TunDevice openTun(DataPlaneConfig config, InheritedFds fds) {
        if (fds.hasTunQueues(config.workers())) {
            try {
                return TunDevice.adopt(config.device(), fds.tunQueues(), config.offloads());
            } catch (DataPlaneException e) {
                LOG.warn("{}: not using the TUN queues handed back by the service manager ({}); opening the device",
                        config.device(), e.getMessage());
            }
        }
        return TunDevice.open(config.device(), config.workers(), config.offloads());
    }

    /**
     * Starts the TCP fallback: listens on TCP {@code port} (at the VXLAN bind address) and keeps a connection to
     * every weft peer that advertises a TcpPort, on the workers' loops; peers the path chooser moves to TCP are sent
     * to over it from then on.
     *
     * @param ourPublicIp this host's lease PublicIP (which side of a pair dials depends on it)
     * @param tls         mutual TLS on every connection, or null for plain TCP
     * @throws DataPlaneException with one readable line if the port cannot be bound
     */
    public synchronized TcpTransport startTcpFallback(int port, java.net.Inet4Address ourPublicIp, PublishedTable table,
                                                      io.weft.dataplane.socket.TcpTls tls) {
        if (tcp != null) {
            return tcp;
        }
        TcpLinks links = new TcpLinks();
        Map<io.netty.channel.EventLoop, TcpTransport.LoopSide> sides = new java.util.HashMap<>();
        for (Worker w : workers) {
            TcpReplies replies = new TcpReplies();
            sides.put(w.loop(), new TcpTransport.LoopSide(w.tcpSink(replies), replies));
        }
        TcpTransport t = new TcpTransport(port, config.bindAddress(), Subnet.bytesToInt(ourPublicIp.getAddress(), 0),
                config.localSubnet().v4Address(), group, table, sides, links, workers.size(), tls);
        t.start();
        for (Worker w : workers) {
            w.useTcp(links);
        }
        tcp = t;
        return t;
    }

    /** The TCP fallback transport, or null if it was not started. */
    public TcpTransport tcpFallback() {
        return tcp;
    }

    /** Keeps the TUN device (TUNSETPERSIST) when this process's fds close: a restart finds it with its routes. */
    public void keepDeviceAfterExit() {
        tun.persist(true);
    }

    /** The TUN queue fds, in worker order (for the service manager's fd store). */
    public List<Integer> tunQueueFds() {
        return tun.queues().stream().map(io.netty.channel.unix.FileDescriptor::intValue).toList();
    }

    /**
     * The workers' IPv4 VXLAN socket fds, in worker order (for the service manager's fd store); none on an IPv6-only
     * host ({@link DataPlaneConfig#ipv4Underlay()}).
     */
    public List<Integer> socketFds() {
        return workers.stream().map(Worker::socketFd).filter(fd -> fd >= 0).toList();
    }

    /** The workers' IPv6 VXLAN socket fds, in worker order; empty without an IPv6 underlay (for the fd store). */
    public List<Integer> socket6Fds() {
        return workers.stream().map(Worker::socketV6Fd).filter(fd -> fd >= 0).toList();
    }

    /**
     * The offloads probed at start-up (TUN virtio header, checksum, TSO, USO; UDP GSO, GRO). {@code udpGso} here is
     * what start-up found; a worker that later meets EIO turns GSO off and counts it in {@code gso_fallbacks}.
     */
    public DataPlaneCapabilities capabilities() {
        return capabilities;
    }

    /** The capture tap and probe hooks the workers consult; connected once the workers run. */
    public DataPlaneHooks hooks() {
        return hooks;
    }

    /** Hands a probe to worker 0's encap path on its loop; false once stopped. */
    boolean inject(byte[] ipv4Packet) {
        if (workers.isEmpty()) {
            return false;
        }
        workers.get(0).inject(ipv4Packet);
        return true;
    }

    /** As {@link #inject}, with the frame sent to {@code via} (one of the peer's candidate paths). */
    boolean injectVia(byte[] ipv4Packet, InetSocketAddress via) {
        if (workers.isEmpty()) {
            return false;
        }
        workers.get(0).injectVia(ipv4Packet, via);
        return true;
    }

    public DataPlaneConfig config() {
        return config;
    }

    public String deviceName() {
        return tun.name();
    }

    /**
     * Counters summed over the workers, read as each worker last published them (no hop onto the loops), with the
     * TCP fallback's and the kernel's drops, and the per-peer figures.
     */
    public DataPlaneStats stats() {
        return new DataPlaneStats(counters(), peerStats());
    }

    private Map<String, Long> counters() {
        long[] sums = new long[Counter.COUNT];
        for (Worker w : List.copyOf(workers)) {
            WorkerCounters c = w.counters();
            for (Counter k : Counter.values()) {
                sums[k.ordinal()] += c.get(k);
            }
        }
        Map<String, Long> counters = new LinkedHashMap<>();
        for (Counter c : Counter.values()) {
            counters.put(c.key(), sums[c.ordinal()]);
        }
        TcpTransport t = tcp;
        counters.put("drop_tcp_refused", t == null ? 0 : t.refused());
        counters.put("drop_tcp_tls_refused", t == null ? 0 : t.tlsRefused());
        // Read from /proc on each call: only here, not in peerStats, which a timer reads every second.
        counters.put("drop_kernel_tun_queue", tunQueueDrops == null ? 0 : tunQueueDrops.count());
        counters.put("drop_kernel_socket", socketDrops == null ? 0 : socketDrops.count());
        counters.put("tcp_connects", t == null ? 0 : t.connects());
        counters.put("tcp_connect_failures", t == null ? 0 : t.connectFailures());
        return counters;
    }

    /** Packets and bytes to and from each peer PublicIP (dotted quad), summed over the workers. */
    public Map<String, DataPlaneStats.PeerStats> peerStats() {
        Map<Integer, long[]> peerSums = new TreeMap<>(Integer::compareUnsigned);
        for (Worker w : List.copyOf(workers)) {
            for (Map.Entry<Integer, long[]> p : w.counters().peers().snapshot().entrySet()) {
                if (p.getKey() == 0) {
                    continue; // the IPv6-only peers' traffic (no PublicIP): in the totals only
                }
                long[] acc = peerSums.computeIfAbsent(p.getKey(), k -> new long[4]);
                for (int j = 0; j < 4; j++) {
                    acc[j] += p.getValue()[j];
                }
            }
        }
        Map<String, DataPlaneStats.PeerStats> peers = new LinkedHashMap<>();
        for (Map.Entry<Integer, long[]> p : peerSums.entrySet()) {
            long[] v = p.getValue();
            peers.put(Subnet.ofV4(p.getKey(), 32).addressText(), new DataPlaneStats.PeerStats(v[0], v[1], v[2], v[3]));
        }
        return peers;
    }

    /**
     * The watchdog's liveness check: true if every worker loop has run the beat this method asked it for last time
     * (the first call only asks); then asks each loop for another. A loop that no longer runs its tasks makes the
     * next call false. Never waits on a loop.
     */
    public synchronized boolean workersAlive() {
        boolean alive = true;
        long[] asked = new long[workers.size()];
        for (int i = 0; i < asked.length; i++) {
            Worker w = workers.get(i);
            long beats = w.heartbeat().beats();
            if (i < beatsAsked.length && beats < beatsAsked[i]) {
                alive = false;
            }
            asked[i] = beats + 1;
            w.beat();
        }
        beatsAsked = asked;
        return alive;
    }

    /** Stops the workers, closes the sockets and the TUN fds. Idempotent; leaves routes and addresses alone. */
    @Override
    public synchronized void close() {
        TcpTransport t = tcp;
        if (t != null) {
            tcp = null;
            t.close();
        }
        for (Worker w : workers) {
            w.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        tun.close();
        workers.clear();
    }
}
