package io.weft.dataplane.agent;

import io.weft.dataplane.BuildVersion;
import io.weft.dataplane.DataPlane;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.InheritedFds;
import io.weft.dataplane.DataPlaneException;
import io.weft.dataplane.Ipv6Overlay;
import io.weft.dataplane.control.ControlServer;
import io.weft.dataplane.host.TunLinkSetup;
import io.weft.dataplane.socket.VxlanSocket;
import io.weft.dataplane.tun.TunDevice;
import io.weft.fdb.BackendData;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.fdb.path.WeftAdvert;
import io.weft.fdb.registry.AcquireRequest;
import io.weft.fdb.registry.AcquiredLease;
import io.weft.fdb.registry.EtcdOptions;
import io.weft.fdb.registry.HeldLease;
import io.weft.fdb.registry.LeaseEvents;
import io.weft.fdb.registry.LeaseListener;
import io.weft.fdb.registry.LeaseRegistry;
import io.weft.fdb.registry.LeaseTableFeeder;
import io.weft.fdb.registry.RegistrySettings;
import io.weft.fdb.registry.SubnetEnv;
import io.weft.fdb.registry.SubnetKey;
import io.weft.fdb.registry.SubnetRegistry;
import io.weft.fdb.kube.KubeSubnetRegistry;
import io.weft.fdb.registry.SubnetsExhaustedException;
import io.weft.vtep.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The host agent, in the order flanneld does things: the underlay interface, the network config from etcd, our
 * lease, the data plane (TUN, link, route, workers), the watch of everyone else's leases, iptables, then subnet.env
 * (only once packets can flow) and READY=1. Before all of that, a restart forwards with the last run's data plane and
 * table ({@link WarmStart}). What runs is pushed on a stack and closed in reverse on a stop, the data plane last; the
 * host setup (the persistent TUN, its route, the rules) and the lease stay, as flanneld leaves them, so that the
 * kernel keeps routing and the next run adopts them. {@code weft cleanup} removes the host setup.
 */
public final class Agent {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    /** Exit code asking systemd (Restart=on-failure) for a fresh start, used when our subnet was taken over. */
    public static final int EXIT_RESTART = 3;
    private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();
    /** flanneld's PublicIP in the lease of an IPv6-only network. */
    private static final Inet4Address NO_IPV4 = (Inet4Address) Subnet.parseAddress("0.0.0.0");

    private final AgentSettings settings;
    private final Deque<AutoCloseable> undo = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final SystemdNotify systemd = SystemdNotify.fromEnvironment();
    private volatile boolean ready;
    private volatile int exitCode;
    private volatile AgentState state;

    public Agent(AgentSettings settings) {
        this.settings = settings;
    }

    /** Starts everything, blocks until SIGTERM/SIGINT (or a fatal event), tears down, and returns the exit code. */
    public int runUntilStopped() throws Exception {
        Thread hook = new Thread(this::stop, "weft-shutdown");
        // (the hook runs on SIGTERM/SIGINT: it closes what runs, forwarding until the data plane closes, and is quick)
        Runtime.getRuntime().addShutdownHook(hook);
        announce();
        try {
            start();
        } catch (AgentException | RuntimeException | IOException | InterruptedException e) {
            // A failed start undoes what it did, quietly: the one line the operator sees is the cause.
            teardown();
            stopped.countDown();
            throw e instanceof AgentException ? e : new AgentException(message(e), e);
        }
        stopped.await();
        return exitCode;
    }

    /** The log's first line, once per process (an {@link EarlyStart} logs it before the command line is parsed). */
    static void announce() {
        if (ANNOUNCED.compareAndSet(false, true)) {
            log.info("weft {} starting", BuildVersion.version());
        }
    }

    /** Tears down once; called by the shutdown hook (SIGTERM, SIGINT) or by a fatal event. */
    public void stop() {
        if (stopped.getCount() == 0) {
            return;
        }
        long t0 = System.nanoTime();
        systemd.stopping();
        log.info("stopping: the TUN, its route and the rules stay for the next run, the lease stays in etcd");
        teardown();
        log.info("stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
        stopped.countDown();
    }

    private void start() throws Exception {
        Privileges.requireNetAdmin();
        // A restart forwards with what the last run left before etcd (or the API server) is asked anything, and before
        // anything else is set up: usually main() did it before the command line was parsed (EarlyStart).
        EarlyStart early = EarlyStart.take(settings.runDir());
        WarmStart warm;
        PublishedTable table;
        if (early != null) {
            warm = early.warm;
            table = early.table;
        } else {
            warm = WarmStart.load(settings.runDir(), systemd, InheritedFds.NONE);
            table = new PublishedTable();
            warm.startFromCache(table);
        }
        undo.push(warm);
        // flanneld serves /healthz before it fetches the config, so that a liveness probe passes while it waits.
        HttpEndpoints http = new HttpEndpoints(settings.healthzIp(), settings.healthzPort(), settings.metricsPort(),
                () -> ready);
        undo.push(http);
        // Kube mode meets the API server first: our node's node-public-ip annotation is flanneld's -public-ip.
        KubeSubnetRegistry kube = settings.kube() == null ? null : KubeMode.connect(settings);
        SubnetRegistry registry = kube;
        NetworkConfig config = null;
        String nodePublicIp = null;
        if (kube != null) {
            undo.push(kube);
            config = kube.awaitValidConfig();
            nodePublicIp = kube.storedPublicIp();
        }
        if (registry == null) {
            LeaseRegistry etcd = LeaseRegistry.connect(etcdOptions(),
                    RegistrySettings.defaults().withRenewMargin(settings.renewMargin())
                            // an unreachable etcd is then reported every few seconds, not every ten
                            .withRequestTimeout(java.time.Duration.ofSeconds(4)));
            undo.push(etcd);
            registry = etcd;
            // As flanneld: a missing or invalid config is waited for (and reported), not fatal; fixing the key goes on.
            config = etcd.awaitValidConfig();
        }
        checkBackendOptions(config);
        boolean v4 = config.enableIpv4();
        // As flanneld, the interface is chosen once the config says which families the network has: an IPv6-only
        // network chooses it by IPv6, and its external interface needs no IPv4 address.
        ExternalInterface ext = v4 ? ipv4Interface(kube, nodePublicIp) : ipv6OnlyInterface(kube);
        Inet4Address publicIp = !v4 ? NO_IPV4 : nodePublicIp != null ? KubeMode.parsePublicIp(kube, nodePublicIp)
                : publicIp(ext);
        if (v4) {
            log.info("underlay interface {} ({}, MTU {}); advertising PublicIP {}", ext.name(),
                    ext.address().getHostAddress(), ext.mtu(), publicIp.getHostAddress());
        }
        Ipv6Underlay underlay6 = config.enableIpv6() ? ipv6Underlay(ext, kube, !v4) : null;
        int vni = config.backend().vni();
        int port = config.backend().effectivePort();
        String device = settings.device() != null ? settings.device() : "weft." + vni;
        if (settings.replaceFlannel()) {
            ReplaceFlannel.apply(vni, port, config.network(), device);
        }
        checkDataPlaneCanStart(port, warm);

        // flanneld keeps its VtepMAC across restarts in kube mode from its own backend-data annotation
        MacAddress stored = kube == null ? null : kube.storedVtepMac();
        MacAddress mac = stored != null ? stored : VtepMacSource.forHost(VtepMacSource.MACHINE_ID, vni, publicIp.getHostAddress());
        // flanneld's flannel-v6.<VNI> has a MAC of its own, published as BackendV6Data
        MacAddress mac6 = underlay6 == null ? null
                : VtepMacSource.forHost(VtepMacSource.MACHINE_ID, vni, Subnet.formatAddress(underlay6.advertised()));
        SubnetEnv previous = SubnetEnv.read(settings.subnetFile());
        // Beside the lease, never in it: weft peers learn our interface address (reached directly from our private network)
        // and the port of our TCP fallback
        // (the fallback carries the IPv4 underlay's frames: none on an IPv6-only network)
        int tcpPort = v4 ? settings.tcpFallbackPort(port) : 0;
        registry.advertise(WeftAdvert.of(!v4 || ext.address().equals(publicIp) ? null : ext.address(), tcpPort));
        HeldLease lease;
        try {
            // An IPv6-only lease has flanneld's PublicIP 0.0.0.0 and no BackendData.
            lease = registry.acquire(config, new AcquireRequest(v4 ? publicIp : NO_IPV4,
                    underlay6 == null ? null : underlay6.advertised(), v4 ? new BackendData(vni, mac) : null,
                    mac6 == null ? null : new BackendData(vni, mac6), v4 ? previous.subnet() : null,
                    underlay6 == null ? null : previous.ipv6Subnet()));
        } catch (SubnetsExhaustedException e) {
            throw new AgentException(e.getMessage());
        }
        Subnet subnet = v4 ? lease.lease().subnet() : null;
        Subnet subnet6 = underlay6 == null ? null : lease.lease().ipv6Subnet();
        if (underlay6 != null && subnet6 == null) {
            throw new AgentException("lease " + lease.key() + " has no IPv6 subnet although the network config enables"
                    + " IPv6; delete the key with etcdctl so that a dual-stack one is taken");
        }
        if (v4) {
            log.info("lease {} for subnet {} (VtepMAC {}, VNI {}, port {}) from {}", lease.key(), subnet, mac, vni, port,
                    registry.describe());
        }
        if (subnet6 != null) {
            log.info("lease {} for IPv6 subnet {} (VtepMAC {}, PublicIPv6 {}) from {}", lease.key(), subnet6, mac6,
                    Subnet.formatAddress(underlay6.advertised()), registry.describe());
        }

        int underlayMtu = config.backend().mtu() > 0 ? config.backend().mtu() : ext.mtu();
        // One TUN carries both families: its MTU is the IPv4 one; the IPv6 route through it is 20 bytes smaller.
        Ipv6Overlay overlay6 = subnet6 == null ? null : new Ipv6Overlay(subnet6, config.ipv6Network(), mac6,
                underlay6.local(), Ipv6Overlay.mtuFor(underlayMtu));
        int mtu = v4 ? TunLinkSetup.deviceMtu(underlayMtu) : overlay6.mtu();
        int workers = settings.workers() > 0 ? settings.workers() : DataPlaneConfig.defaultWorkers();
        Inet4Address source = v4 ? ext.sourceAddress(publicIp) : null;
        DataPlaneConfig dataPlaneConfig = new DataPlaneConfig(device, mtu, vni, port, v4 ? mac : mac6, subnet,
                v4 ? config.network() : null, workers, settings.acceptUnknownVteps(), settings.acceptAnyInnerSource(),
                settings.offloads(), source, overlay6);
        TunLinkSetup link = TunLinkSetup.of(dataPlaneConfig);
        DataPlane dataPlane = warm.dataPlaneFor(dataPlaneConfig, table);
        if (v4) {
            log.info("data plane up: {} MTU {}, address {}/32, route {} src {}, {} worker(s), UDP {}:{}",
                    dataPlane.deviceName(), mtu, link.vtepAddress(), config.network(), link.vtepAddress(), workers,
                    source.getHostAddress(), port);
        }
        if (overlay6 != null) {
            log.info("data plane IPv6 up: {} address {}/128, route {} src {} MTU {}, UDP [{}]:{}", dataPlane.deviceName(),
                    link.vtepAddressV6(), config.ipv6Network(), link.vtepAddressV6(), overlay6.mtu(),
                    Subnet.formatAddress(underlay6.local()), port);
        }

        if (tcpPort > 0) {
            try {
                io.weft.dataplane.socket.TcpTls tls = settings.tcpTlsCa() == null ? null
                        : io.weft.dataplane.socket.TcpTls.load(settings.tcpTlsCa(), settings.tcpTlsCert(), settings.tcpTlsKey());
                dataPlane.startTcpFallback(tcpPort, publicIp, table, tls);
            } catch (DataPlaneException e) {
                throw new AgentException(e.getMessage());
            }
        }

        SubnetKey ownSubnets = SubnetKey.of(lease.lease());
        LeaseTableFeeder feeder = new LeaseTableFeeder(table, config, ownSubnets);
        LeaseEvents cached = warm.caching(feeder);
        DirectRouting direct = DirectRouting.start(config, cached, table, dataPlane.deviceName());
        if (direct != null) {
            undo.push(direct);
        }
        registry.startWatching(ownSubnets, direct != null ? direct : cached);
        registry.startKeeping(lease, new LeaseLossHandler());
        NodeIpDnat nodeIpDnat = null;
        if (settings.nodeIpDnat()) {
            nodeIpDnat = NodeIpDnat.start(kube, settings.iptablesResync(), config.enableNFTables());
            undo.push(nodeIpDnat);
        }

        RunState.HostSetup setup = RunState.HostSetup.of(settings, config.enableNFTables(), subnet, subnet6);
        StaleHostState.remove(warm.previous() == null ? null : warm.previous().setup(), setup);
        TrafficRules.start(settings, config, subnet, subnet6, undo);
        warm.setupInstalled(setup);

        new SubnetEnv(v4 ? config.network() : null, subnet, subnet6 == null ? null : config.ipv6Network(), subnet6, mtu,
                settings.ipMasq()).write(settings.subnetFile());
        log.info("wrote {}", settings.subnetFile());

        state = new AgentState(dataPlane, table, registry, config, subnet, mac, dataPlane.deviceName(), link.vtepAddress(),
                port, publicIp, ext, nodeIpDnat, direct);
        PeerActivity activity = new PeerActivity(dataPlane);
        undo.push(activity);
        undo.push(ChecksumErrorWatch.start(vni));
        Reachability reachability = new Reachability(state, dataPlane.hooks());
        undo.push(reachability);
        ControlServer control = new ControlServer(settings.runDir());
        StatusViews.register(control, state, activity, reachability.prober);
        reachability.register(control);
        control.start();
        undo.push(control);

        http.publishMetrics(Metrics.registry(state, reachability.prober));

        ready = true;
        systemd.ready("subnet " + (v4 ? subnet : subnet6) + " on " + dataPlane.deviceName() + ", " + table.current().size() + " peer(s)");
        Watchdog watchdog = Watchdog.start(systemd, dataPlane);
        if (watchdog != null) {
            undo.push(watchdog);
        }
        log.info("weft is up: subnet {}, {} peer(s); control socket {}", subnet6 == null ? subnet
                : v4 ? subnet + " and " + subnet6 : subnet6, table.current().size(), control.socketPath());
    }

    /** Our key in etcd was lost while we ran: taken back (logged), or, if our subnet went to another node, restart. */
    private final class LeaseLossHandler implements LeaseListener {
        @Override
        public void reacquired(AcquiredLease l) {
            log.warn("our lease {} had vanished from etcd and was taken again for the same subnet {}", l.key(),
                    l.lease().subnet());
        }

        @Override
        public void subnetChanged(AcquiredLease before, AcquiredLease after) {
            log.error("our subnet {} was lost to another node; now holding {}. Restarting so that the TUN, routes and "
                    + "subnet.env follow (exit code {}; systemd restarts weft)", before.lease().subnet(),
                    after.lease().subnet(), EXIT_RESTART);
            exitCode = EXIT_RESTART;
            new Thread(Agent.this::stop, "weft-restart").start();
        }
    }

    /** The underlay interface chosen by IPv4 (dual-stack or IPv4 networks); in kube mode node-public-ip is -public-ip. */
    private ExternalInterface ipv4Interface(KubeSubnetRegistry kube, String nodePublicIp) throws AgentException {
        try {
            return ExternalInterface.choose(nodePublicIp == null ? settings.interfaceRules()
                    : new ExternalInterface.Rules(settings.iface(), settings.ifaceRegex(), settings.ifaceCanReach(), nodePublicIp));
        } catch (ExternalInterface.NotFound e) {
            throw new AgentException(nodePublicIp != null ? "annotation " + kube.nodePublicIpAnnotation() + " "
                    + nodePublicIp + " is not an address of this host: " + e.getMessage() : e.getMessage());
        }
    }

    /** The underlay interface of an IPv6-only network, chosen by IPv6 ({@link Ipv6OnlyInterface}). */
    private ExternalInterface ipv6OnlyInterface(KubeSubnetRegistry kube) throws AgentException {
        try {
            ExternalInterface ext = Ipv6OnlyInterface.choose(settings.interfaceRules(), publicIpv6Setting(kube));
            log.info("underlay interface {} (MTU {}), chosen by IPv6: the network is IPv6-only", ext.name(), ext.mtu());
            return ext;
        } catch (ExternalInterface.NotFound e) {
            throw new AgentException(e.getMessage());
        }
    }

    /** {@code -public-ipv6}, or in kube mode our node's {@code node-public-ipv6} annotation in its place, as flanneld. */
    private String publicIpv6Setting(KubeSubnetRegistry kube) {
        String nodePublicIpv6 = kube == null ? null : kube.storedPublicIpv6();
        return nodePublicIpv6 != null ? nodePublicIpv6 : settings.publicIpv6();
    }

    /**
     * This host's IPv6 underlay on the chosen interface: {@code -public-ipv6} (in kube mode our node's
     * {@code node-public-ipv6} annotation in its place, as flanneld does), or the interface's address.
     */
    private Ipv6Underlay ipv6Underlay(ExternalInterface ext, KubeSubnetRegistry kube, boolean ipv6Only)
            throws AgentException {
        String nodePublicIpv6 = kube == null ? null : kube.storedPublicIpv6();
        try {
            Ipv6Underlay u = Ipv6Underlay.choose(ext.name(), settings.iface(), settings.ifaceRegex(),
                    publicIpv6Setting(kube), HostIpv6Addresses.read(), ipv6Only);
            log.info("IPv6 underlay {} on {}; advertising PublicIPv6 {}", Subnet.formatAddress(u.local()), ext.name(),
                    Subnet.formatAddress(u.advertised()));
            return u;
        } catch (ExternalInterface.NotFound e) {
            throw new AgentException(nodePublicIpv6 == null ? e.getMessage() : "annotation "
                    + kube.nodePublicIpv6Annotation() + " (used as -public-ipv6): " + e.getMessage());
        }
    }

    private Inet4Address publicIp(ExternalInterface ext) throws AgentException, InterruptedException {
        if (settings.publicIpFrom() != null && !settings.publicIpFrom().isBlank()) {
            try {
                Inet4Address found = PublicAddress.fetch(settings.publicIpFrom(), PublicAddress.DEFAULT_TIMEOUT,
                        PublicAddress.DEFAULT_ATTEMPTS);
                log.info("public address {} (from {})", found.getHostAddress(), settings.publicIpFrom());
                return found;
            } catch (PublicAddress.Unavailable e) {
                throw new AgentException(e.getMessage());
            }
        }
        if (settings.publicIp() == null || settings.publicIp().isBlank()) {
            return ext.address();
        }
        InetAddress a;
        try {
            a = Subnet.parseAddress(settings.publicIp());
        } catch (IllegalArgumentException e) {
            throw new AgentException("-public-ip: " + e.getMessage());
        }
        if (!(a instanceof Inet4Address)) {
            throw new AgentException("-public-ip " + settings.publicIp() + " is not an IPv4 address");
        }
        return (Inet4Address) a;
    }

    private EtcdOptions etcdOptions() throws AgentException {
        try {
            return new EtcdOptions(settings.etcdEndpoints(), settings.etcdPrefix(), settings.etcdCaFile(),
                    settings.etcdCertFile(), settings.etcdKeyFile(), settings.etcdUsername(), settings.etcdPassword());
        } catch (IllegalArgumentException e) {
            throw new AgentException(e.getMessage());
        }
    }

    /**
     * Backend options weft does not implement: GBP changes the wire format (a GBP peer's frames carry the G flag, which
     * weft drops as a bad header), so it is refused; Learning only changes how the kernel device is programmed, so a
     * warning says it has no effect. (DirectRouting is implemented: {@link DirectRouting}.)
     */
    private static void checkBackendOptions(NetworkConfig config) throws AgentException {
        if (config.backend().gbp()) {
            throw new AgentException("the network config sets Backend.GBP: true; weft does not implement VXLAN Group Based"
                    + " Policy, and GBP and non-GBP hosts cannot talk. Remove \"GBP\" (or use flanneld on every host)");
        }
        if (config.backend().learning()) {
            log.warn("Backend.Learning has no effect on weft: it never learns from outer source addresses");
        }
    }

    /**
     * Fails before a lease is taken if the TUN or the port cannot be had, so a broken host holds no subnet. The port is
     * not checked when the last run's data plane already forwards on it.
     */
    private static void checkDataPlaneCanStart(int port, WarmStart warm) throws AgentException {
        if (!Files.exists(Path.of(TunDevice.CLONE_DEVICE))) {
            throw new AgentException(TunDevice.CLONE_DEVICE + " does not exist: load the tun module (modprobe tun)"
                    + " or, in a container, pass the device in (--device /dev/net/tun)");
        }
        if (warm.forwardingOn(port)) {
            return;
        }
        try {
            VxlanSocket.requirePortFree(port);
        } catch (DataPlaneException e) {
            throw new AgentException(e.getMessage());
        }
    }

    private synchronized void teardown() {
        ready = false;
        while (!undo.isEmpty()) {
            AutoCloseable c = undo.pop();
            try {
                c.close();
            } catch (Exception e) {
                log.warn("while undoing host setup: {}", message(e));
            }
        }
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
