package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.fdb.path.WeftAdvert;
import io.weft.fdb.ConfigException;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.AcquireRequest;
import io.weft.fdb.registry.AcquiredLease;
import io.weft.fdb.registry.HeldLease;
import io.weft.fdb.registry.LeaseEvents;
import io.weft.fdb.registry.LeaseListener;
import io.weft.fdb.registry.LogLimiter;
import io.weft.fdb.registry.SubnetRegistry;
import io.weft.vtep.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Map;

/**
 * flanneld's Kubernetes subnet manager ({@code --kube-subnet-mgr}, {@code pkg/subnet/kube}) for one node:
 * <pre>
 * try (KubeSubnetRegistry registry = KubeSubnetRegistry.connect(options, KubeSettings.defaults(), System.getenv())) {
 *     NetworkConfig config = registry.awaitValidConfig(); // net-conf.json, then our node from the API server
 *     MacAddress mac = registry.storedVtepMac();          // keep the VtepMAC of our last run, if any
 *     HeldLease mine = registry.acquire(config, request); // spec.podCIDR, annotations written as flanneld does
 *     registry.startKeeping(mine, listener);              // NetworkUnavailable=False; follow public-ip-overwrite
 *     registry.startWatching(mine.lease().subnet(), feeder);
 * }
 * </pre>
 * The subnet is not chosen here: the controller-manager assigns {@code spec.podCIDR}, and it must lie in the config's
 * {@code Network}. There is no TTL and nothing to renew. {@link #close()} leaves the annotations in place (a
 * restarted weft, or a flanneld, takes them over).
 */
public final class KubeSubnetRegistry implements SubnetRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(KubeSubnetRegistry.class);

    private final KubeOptions options;
    private final KubeSettings settings;
    private final Map<String, String> env;
    private final KubernetesClient client;
    private final KubeApi api;
    private final AnnotationNames names;
    /** How peers' nodes are read: the families of the network config (set by {@link #awaitConfig}). */
    private volatile NodeLeases leases;
    private final OwnAnnotations own;
    private volatile WeftAdvert advert;
    private final LogLimiter waiting;
    private volatile String nodeName;
    private volatile NodeWatcher watcher;
    private volatile OwnNodeKeeper keeper;

    private KubeSubnetRegistry(KubeOptions options, KubeSettings settings, Map<String, String> env,
                               KubernetesClient client, String nodeName) {
        this.options = options;
        this.settings = settings;
        this.env = env;
        this.client = client;
        this.api = new KubeApi(client);
        AnnotationNames names = AnnotationNames.forPrefix(options.annotationPrefix());
        this.names = names;
        this.leases = new NodeLeases(names);
        this.own = new OwnAnnotations(names);
        this.waiting = new LogLimiter(settings.reportEvery());
        this.nodeName = nodeName;
    }

    /**
     * Builds the client; no request is made yet, so this succeeds while the API server is down.
     *
     * @param env the process environment ({@code NODE_NAME}, or {@code POD_NAME} and {@code POD_NAMESPACE})
     * @throws IllegalArgumentException in one line for a bad prefix, a missing kubeconfig or a missing node name
     */
    public static KubeSubnetRegistry connect(KubeOptions options, KubeSettings settings, Map<String, String> env) {
        AnnotationNames.forPrefix(options.annotationPrefix());
        String name = NodeNames.fromEnvironment(env);
        return new KubeSubnetRegistry(options, settings, env, KubeClients.create(options, env), name);
    }

    /** As {@link #connect} with a client built elsewhere (tests). */
    static KubeSubnetRegistry withClient(KubeOptions options, KubeSettings settings, Map<String, String> env,
                                         KubernetesClient client) {
        return new KubeSubnetRegistry(options, settings, env, client, NodeNames.fromEnvironment(env));
    }

    /**
     * Reads {@code -net-config-path}, then waits until the API server lists our node.
     *
     * @throws ConfigException naming the file and what is wrong with it (for tools and tests that report it at once)
     */
    public NetworkConfig awaitConfig() throws ConfigException, InterruptedException {
        NetworkConfig parsed = readNetConfig();
        LOG.info("network config from {}: {}", options.netConfigPath(), parsed);
        leases = new NodeLeases(names, parsed.enableIpv4(), parsed.enableIpv6());
        awaitOwnNode();
        return parsed;
    }

    /**
     * As {@link #awaitConfig}, but a missing or invalid net-conf.json is waited out (re-read every second, reported
     * every {@link KubeSettings#reportEvery}), as flanneld waits for its config: a fixed ConfigMap goes on.
     */
    @Override
    public NetworkConfig awaitValidConfig() throws InterruptedException {
        while (true) {
            try {
                NetworkConfig parsed = awaitConfig();
                waiting.reset("config");
                return parsed;
            } catch (ConfigException e) {
                if (waiting.allow("config")) {
                    LOG.warn("{}; waiting for it to be fixed", e.getMessage());
                }
                Thread.sleep(settings.retryMin().toMillis());
            }
        }
    }

    private NetworkConfig readNetConfig() throws ConfigException {
        String text;
        try {
            text = Files.readString(options.netConfigPath());
        } catch (NoSuchFileException e) {
            throw new ConfigException("", options.netConfigPath() + " does not exist: mount the kube-flannel-cfg ConfigMap's"
                    + " net-conf.json there, or pass -net-config-path");
        } catch (IOException e) {
            throw new ConfigException("", "cannot read " + options.netConfigPath() + ": " + e.getMessage());
        }
        try {
            return NetworkConfig.parse(text);
        } catch (ConfigException e) {
            throw new ConfigException(e.field(), e.getMessage().substring("invalid network config: ".length())
                    + " (in " + options.netConfigPath() + ")");
        }
    }

    /** The VtepMAC in our node's own {@code backend-data} (flanneld keeps it across restarts), or null. */
    public MacAddress storedVtepMac() {
        Node n = requireWatcher().ownNode();
        return n == null ? null : own.storedVtepMac(n);
    }

    /** Our node's {@code node-public-ip} annotation, which flanneld uses as {@code -public-ip}; or null. */
    public String storedPublicIp() {
        Node n = requireWatcher().ownNode();
        return n == null ? null : own.nodePublicIp(n);
    }

    /** The name of the {@code node-public-ip} annotation under our prefix, for messages. */
    public String nodePublicIpAnnotation() {
        return names.nodePublicIp();
    }

    /** Our node's {@code node-public-ipv6} annotation, which flanneld uses as {@code -public-ipv6}; or null. */
    public String storedPublicIpv6() {
        Node n = requireWatcher().ownNode();
        return n == null ? null : new NodeIpv6Lease(names).nodePublicIpv6(n);
    }

    /** The name of the {@code node-public-ipv6} annotation under our prefix, for messages. */
    public String nodePublicIpv6Annotation() {
        return names.nodePublicIpv6();
    }

    /** The node this registry runs for (known after {@link #awaitConfig}). */
    public String nodeName() {
        return nodeName;
    }

    /**
     * Our subnet is our node's {@code spec.podCIDR}: waits (saying why in one line, as flanneld does) while it has
     * none or it lies outside {@code Network}, then writes our annotations.
     */
    @Override
    public HeldLease acquire(NetworkConfig cfg, AcquireRequest request) throws InterruptedException {
        NodeWatcher w = requireWatcher();
        OwnNodeKeeper k = new OwnNodeKeeper(api, nodeName, own, request.publicIp(), cfg.enableIpv4() ? request.backendData()
                : null, cfg.enableIpv6() ? request.publicIpv6() : null, cfg.enableIpv6() ? request.backendV6Data() : null,
                advert, settings);
        while (true) {
            Node node = w.ownNode();
            String problem;
            OwnPodCidrs cidrs = null;
            if (node == null) {
                problem = "node " + nodeName + " is not listed by the API server at " + api.url() + " (yet); waiting for it";
            } else {
                try {
                    cidrs = OwnPodCidrs.of(node, cfg);
                    problem = cidrs.problem(nodeName, options.netConfigPath());
                } catch (MalformedNodeException e) {
                    problem = e.getMessage() + "; waiting for it to be fixed";
                }
            }
            if (problem == null) {
                waiting.reset("acquire");
                AcquiredLease lease = k.annotate(node, cidrs.ipv4(), cidrs.ipv6());
                synchronized (this) {
                    if (keeper != null) {
                        keeper.close();
                    }
                    keeper = k;
                }
                w.onOwnNode(k::nodeChanged);
                if (cfg.enableIpv4()) {
                    LOG.info("node {}: subnet {} (spec.podCIDR), advertising public-ip {}", nodeName, cidrs.ipv4(),
                            lease.lease().publicIp().getHostAddress());
                }
                if (cfg.enableIpv6()) {
                    LOG.info("node {}: IPv6 subnet {} (spec.podCIDRs), advertising public-ipv6 {}", nodeName,
                            cidrs.ipv6(), Subnet.formatAddress(lease.lease().publicIpv6()));
                }
                return new HeldLease(lease, cfg, request);
            }
            if (waiting.allow("acquire")) {
                LOG.warn(problem);
            }
            Thread.sleep(settings.retryMin().toMillis());
        }
    }

    /** Sets {@code NetworkUnavailable=False} (unless disabled) and follows our node's annotations from now on. */
    @Override
    public void startKeeping(HeldLease held, LeaseListener listener) {
        OwnNodeKeeper k = keeper;
        k.start(held.acquired(), listener, options.setNodeNetworkUnavailable());
        Node n = requireWatcher().ownNode();
        if (n != null) {
            k.nodeChanged(n);
        }
    }

    /** Kept as the {@link AnnotationNames#WEFT_ADVERT} annotation on our node, beside flannel's; before {@link #acquire}. */
    @Override
    public void advertise(WeftAdvert a) {
        advert = a;
    }

    @Override
    public void startWatching(io.weft.fdb.registry.SubnetKey local, LeaseEvents events) {
        requireWatcher().attach(events);
    }

    @Override
    public AcquiredLease currentLease() {
        OwnNodeKeeper k = keeper;
        return k == null ? null : k.current();
    }

    @Override
    public String describe() {
        return "the Kubernetes API server at " + api.url() + " (node " + nodeName + ")";
    }

    /**
     * Tells {@code listener} every peer node's InternalIP and public IP, now and after every change (for
     * {@code --node-ip-dnat}); called from the watcher's thread.
     */
    public void onNodeAddresses(java.util.function.Consumer<java.util.List<NodeAddress>> listener) {
        requireWatcher().onNodeAddresses(listener);
    }

    /** True while the node informer's watch is open (false while the API server is away); for status and metrics. */
    public boolean watching() {
        NodeWatcher w = watcher;
        return w != null && w.isWatching();
    }

    /** Node events skipped because the node's annotations did not parse; for metrics. */
    public long skippedNodeEvents() {
        NodeWatcher w = watcher;
        return w == null ? 0 : w.skipped();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (keeper != null) {
                keeper.close();
            }
            if (watcher != null) {
                watcher.close();
            }
        }
        client.close();
    }

    private void awaitOwnNode() throws InterruptedException {
        int attempt = 0;
        while (nodeName == null) {
            try {
                nodeName = NodeNames.fromPod(env, api);
                LOG.info("this is node {} (from pod {}/{})", nodeName, env.get("POD_NAMESPACE"), env.get("POD_NAME"));
            } catch (KubeApiException e) {
                if (waiting.allow("pod")) {
                    LOG.warn("cannot learn this node's name: {}; retrying", e.getMessage());
                }
                Thread.sleep(settings.backoff(attempt++).toMillis());
            }
        }
        NodeWatcher w;
        synchronized (this) {
            if (watcher == null) {
                watcher = new NodeWatcher(client, nodeName, leases, settings);
                watcher.start();
            }
            w = watcher;
        }
        while (w.ownNode() == null) {
            if (w.hasSynced() && waiting.allow("node")) {
                LOG.warn("node {} does not exist at {}; waiting for it (is NODE_NAME right?)", nodeName, api.url());
            }
            Thread.sleep(200);
        }
    }

    private NodeWatcher requireWatcher() {
        NodeWatcher w = watcher;
        if (w == null) {
            throw new IllegalStateException("call awaitConfig() first");
        }
        return w;
    }
}
