package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.AcquireRequest;
import io.weft.fdb.registry.AcquiredLease;
import io.weft.fdb.registry.HeldLease;
import io.weft.fdb.registry.LeaseEvents;
import io.weft.fdb.path.WeftAdvert;
import io.weft.fdb.registry.LeaseListener;
import io.weft.labkit.LogCapture;
import io.weft.labkit.kube.MockKubeApiServer;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The Kubernetes subnet manager against fabric8's mock API server in CRUD mode (in this JVM). */
class KubeSubnetRegistryTest {
    private static final String P = "flannel.alpha.coreos.com/";
    /** The form flanneld's GetStoredMacAddresses documents for this annotation ({@code pkg/subnet/kube/kube.go}). */
    private static final String FLANNEL_BACKEND_DATA = "{\"VNI\":1,\"VtepMAC\":\"12:c6:65:89:b4:e3\"}";
    private static final MacAddress MAC = MacAddress.parse("12:c6:65:89:b4:e3");
    private static final KubeSettings FAST = new KubeSettings(Duration.ofMinutes(5), Duration.ofMillis(100),
            Duration.ofMillis(400), Duration.ofMillis(200));

    @TempDir
    Path dir;
    private MockKubeApiServer server;
    private KubernetesClient admin;
    private KubeSubnetRegistry registry;
    private final ExecutorService background = Executors.newCachedThreadPool();

    @BeforeEach
    void startServer() throws Exception {
        server = MockKubeApiServer.startOnLoopback();
        admin = server.client();
        Files.writeString(dir.resolve("net-conf.json"), "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
    }

    @AfterEach
    void stop() {
        background.shutdownNow();
        if (registry != null) {
            registry.close();
        }
        admin.close();
        server.close();
    }

    @Test
    void writesTheAnnotationsFlanneldWritesAndSetsNetworkAvailable() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of());
        registry = registry("node-a", true);
        registry.awaitConfig();
        HeldLease lease = registry.acquire(netConfig(), request("192.168.50.2"));

        assertThat(lease.lease().subnet()).isEqualTo(Subnet.parse("10.244.1.0/24"));
        assertThat(lease.lease().publicIp().getHostAddress()).isEqualTo("192.168.50.2");
        // flanneld's AcquireLease for the same node: backend-type "vxlan", backend-data the vxlan lease attributes,
        // public-ip attrs.PublicIP.String(), kube-subnet-manager "true".
        assertThat(annotations("node-a")).containsAllEntriesOf(Map.of(
                P + "backend-type", "vxlan",
                P + "backend-data", FLANNEL_BACKEND_DATA,
                P + "public-ip", "192.168.50.2",
                P + "kube-subnet-manager", "true"));

        registry.startKeeping(lease, new LeaseListener() { });
        eventually(() -> condition("node-a") != null, "NetworkUnavailable condition");
        NodeCondition c = condition("node-a");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("FlannelIsUp");
        // the node's other conditions are merged, not replaced
        assertThat(node("node-a").getStatus().getConditions()).extracting(NodeCondition::getType).contains("Ready");
    }

    @Test
    void keepsTheVtepMacOfItsLastRunAndReadsNodePublicIp() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of(P + "backend-data", FLANNEL_BACKEND_DATA,
                P + "node-public-ip", "198.51.100.4"));
        registry = registry("node-a", true);
        registry.awaitConfig();
        assertThat(registry.storedVtepMac()).isEqualTo(MAC);
        assertThat(registry.storedPublicIp()).isEqualTo("198.51.100.4");
    }

    @Test
    void findsItsNodeThroughThePod() throws Exception {
        createNode("node-p", "10.244.7.0/24", Map.of());
        admin.pods().inNamespace("kube-flannel").resource(new PodBuilder().withNewMetadata().withName("weft-x")
                .withNamespace("kube-flannel").endMetadata().withNewSpec().withNodeName("node-p").endSpec().build()).create();
        registry = KubeSubnetRegistry.withClient(options(true), FAST,
                Map.of("POD_NAME", "weft-x", "POD_NAMESPACE", "kube-flannel"), server.client());
        registry.awaitConfig();
        assertThat(registry.nodeName()).isEqualTo("node-p");
        assertThat(registry.acquire(netConfig(), request("192.168.50.2")).lease().subnet()).isEqualTo(Subnet.parse("10.244.7.0/24"));
    }

    @Test
    void withoutNodeNameOrPodTheMessageSaysWhatToSet() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KubeSubnetRegistry.withClient(options(true), FAST,
                        Map.of(), server.client()))
                .hasMessageContaining("set NODE_NAME").hasMessageContaining("POD_NAME and POD_NAMESPACE");
    }

    @Test
    void publicIpOverwriteIsAdvertisedAtStartAndFollowedWhileRunning() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of(P + "public-ip-overwrite", "203.0.113.7"));
        registry = registry("node-a", false);
        registry.awaitConfig();
        HeldLease lease = registry.acquire(netConfig(), request("192.168.50.2"));
        assertThat(lease.lease().publicIp().getHostAddress()).isEqualTo("203.0.113.7");
        assertThat(annotations("node-a")).containsEntry(P + "public-ip", "203.0.113.7");

        List<AcquiredLease> renewed = new CopyOnWriteArrayList<>();
        registry.startKeeping(lease, new LeaseListener() {
            @Override
            public void renewed(AcquiredLease l) {
                renewed.add(l);
            }
        });
        try (LogCapture log = new LogCapture()) {
            // the users' recipe on a running node: kubectl annotate node node-a ...public-ip-overwrite=203.0.113.9
            annotate("node-a", P + "public-ip-overwrite", "203.0.113.9");
            eventually(() -> "203.0.113.9".equals(annotations("node-a").get(P + "public-ip")), "public-ip re-advertised");
            eventually(() -> log.count("public-ip-overwrite is 203.0.113.9: now advertising public-ip 203.0.113.9"
                    + " (was 203.0.113.7)") == 1, "the log line");
        }
        eventually(() -> !renewed.isEmpty(), "listener told");
        assertThat(renewed.get(renewed.size() - 1).lease().publicIp().getHostAddress()).isEqualTo("203.0.113.9");
        assertThat(registry.currentLease().lease().publicIp().getHostAddress()).isEqualTo("203.0.113.9");

        annotate("node-a", P + "public-ip-overwrite", null);
        eventually(() -> "192.168.50.2".equals(annotations("node-a").get(P + "public-ip")), "back to the detected address");
        // NetworkUnavailable was not touched (-set-node-network-unavailable=false)
        assertThat(condition("node-a")).isNull();
    }

    @Test
    void peersComeFromManagedVxlanNodesAndFollowChangesAndDeletion() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of());
        createNode("node-b", "10.244.2.0/24", flannelAnnotations("192.168.50.3", "aa:bb:cc:00:00:02"));
        Map<String, String> unmanaged = new java.util.HashMap<>(flannelAnnotations("192.168.50.4", "aa:bb:cc:00:00:03"));
        unmanaged.remove(P + "kube-subnet-manager");
        createNode("node-c", "10.244.3.0/24", unmanaged);
        Recorder peers = watchAsNodeA();

        eventually(() -> peers.current().containsKey("10.244.2.0-24"), "node-b");
        assertThat(peers.current()).containsOnlyKeys("10.244.2.0-24");
        Lease b = peers.current().get("10.244.2.0-24");
        assertThat(b.publicIp().getHostAddress()).isEqualTo("192.168.50.3");
        assertThat(b.backendData()).isEqualTo(new BackendData(1, MacAddress.parse("aa:bb:cc:00:00:02")));

        annotate("node-b", P + "public-ip", "198.51.100.3");
        eventually(() -> "198.51.100.3".equals(peers.current().get("10.244.2.0-24").publicIp().getHostAddress()),
                "node-b's new public-ip");
        annotate("node-b", P + "backend-data", "{\"VNI\":1,\"VtepMAC\":\"aa:bb:cc:00:00:22\"}");
        eventually(() -> peers.current().get("10.244.2.0-24").backendData().vtepMac()
                .equals(MacAddress.parse("aa:bb:cc:00:00:22")), "node-b's new VtepMAC");

        annotate("node-c", P + "kube-subnet-manager", "true");
        eventually(() -> peers.current().containsKey("10.244.3.0-24"), "node-c once it is managed");

        admin.nodes().withName("node-b").delete();
        eventually(() -> !peers.current().containsKey("10.244.2.0-24"), "node-b removed");
        assertThat(peers.current()).containsOnlyKeys("10.244.3.0-24");
        assertThat(peers.batches).isPositive();

        // a change of backend type counts too: a node moved to another backend is no VXLAN peer any more
        annotate("node-c", P + "backend-type", "host-gw");
        eventually(() -> peers.current().isEmpty(), "node-c gone with its vxlan backend");
    }

    @Test
    void theWeftAdvertIsOurOwnAnnotationBesideFlannelsAndPeersLearnTheirs() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of());
        Map<String, String> b = new java.util.HashMap<>(flannelAnnotations("192.168.50.3", "aa:bb:cc:00:00:02"));
        b.put("weft.io/advert", "{\"Version\":1,\"PrivateIP\":\"10.0.0.3\"}");
        createNode("node-b", "10.244.2.0/24", b);
        createNode("node-c", "10.244.3.0/24", flannelAnnotations("192.168.50.4", "aa:bb:cc:00:00:03"));
        registry = registry("node-a", false);
        registry.awaitConfig();
        registry.advertise(WeftAdvert.of((Inet4Address) InetAddress.getByName("10.0.0.2"), 0));
        HeldLease lease = registry.acquire(netConfig(), request("192.168.50.2"));
        Recorder peers = new Recorder();
        registry.startWatching(lease.lease().subnet(), peers);

        // Ours: flannel's annotations exactly as without it, and weft's under weft's own prefix.
        assertThat(annotations("node-a")).containsEntry("weft.io/advert", "{\"Version\":1,\"PrivateIP\":\"10.0.0.2\"}")
                .containsEntry(P + "backend-data", FLANNEL_BACKEND_DATA).containsEntry(P + "public-ip", "192.168.50.2");
        assertThat(annotations("node-a").keySet().stream().filter(k -> k.startsWith(P)))
                .containsExactlyInAnyOrder(P + "backend-type", P + "backend-data", P + "public-ip", P + "kube-subnet-manager");

        eventually(() -> peers.adverts.containsKey("10.244.2.0-24"), "node-b's advert");
        assertThat(peers.adverts.get("10.244.2.0-24").privateIp().getHostAddress()).isEqualTo("10.0.0.3");
        assertThat(peers.adverts).doesNotContainKey("10.244.3.0-24");
        annotate("node-b", "weft.io/advert", null);
        eventually(() -> !peers.adverts.containsKey("10.244.2.0-24"), "node-b's advert removed");
        annotate("node-c", "weft.io/advert", "{\"Version\":1,\"PrivateIP\":\"10.0.0.4\"}");
        eventually(() -> peers.adverts.containsKey("10.244.3.0-24"), "node-c's new advert");
    }

    @Test
    void peersInternalAndPublicAddressesAreReportedForNodeIpDnat() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of());
        Node b = node("node-b", "10.244.2.0/24", flannelAnnotations("203.0.113.3", "aa:bb:cc:00:00:02"));
        b.getStatus().getAddresses().add(new io.fabric8.kubernetes.api.model.NodeAddress("10.0.0.3", "InternalIP"));
        admin.nodes().resource(b).create();
        registry = registry("node-a", false);
        registry.awaitConfig();
        registry.acquire(netConfig(), request("192.168.50.2"));
        List<List<NodeAddress>> seen = new CopyOnWriteArrayList<>();
        registry.onNodeAddresses(seen::add);
        eventually(() -> !seen.isEmpty() && seen.get(seen.size() - 1).size() == 1, "node-b's addresses");
        NodeAddress nb = seen.get(seen.size() - 1).get(0);
        assertThat(nb.node()).isEqualTo("node-b");
        assertThat(nb.internalIp().getHostAddress()).isEqualTo("10.0.0.3");
        assertThat(nb.publicIp().getHostAddress()).isEqualTo("203.0.113.3");

        annotate("node-b", P + "public-ip", "203.0.113.33");
        eventually(() -> seen.get(seen.size() - 1).get(0).publicIp().getHostAddress().equals("203.0.113.33"), "the new one");
        admin.nodes().withName("node-b").delete();
        eventually(() -> seen.get(seen.size() - 1).isEmpty(), "node-b gone");
    }

    @Test
    void aNodeWhoseAnnotationDoesNotParseIsSkippedWithItsMessage() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of());
        Map<String, String> bad = new java.util.HashMap<>(flannelAnnotations("192.168.50.5", "aa:bb:cc:00:00:05"));
        bad.put(P + "backend-data", "{\"VNI\":1,\"VtepMAC\":\"not-a-mac\"}");
        createNode("node-d", "10.244.4.0/24", bad);
        createNode("node-b", "10.244.2.0/24", flannelAnnotations("192.168.50.3", "aa:bb:cc:00:00:02"));
        try (LogCapture log = new LogCapture()) {
            Recorder peers = watchAsNodeA();
            eventually(() -> peers.current().containsKey("10.244.2.0-24"), "node-b");
            String line = "node node-d: annotation flannel.alpha.coreos.com/backend-data"
                    + " '{\"VNI\":1,\"VtepMAC\":\"not-a-mac\"}' does not parse: VtepMAC \"not-a-mac\" is not a MAC address;"
                    + " skipping this node until it is fixed";
            eventually(() -> log.count(line) == 1, "the line about node-d");
            assertThat(peers.current()).containsOnlyKeys("10.244.2.0-24");

            // a good node that turns bad keeps its last good lease
            annotate("node-b", P + "public-ip", "not-an-ip");
            eventually(() -> log.count("node node-b: annotation flannel.alpha.coreos.com/public-ip 'not-an-ip' does not"
                    + " parse: not an IP address; keeping its last good lease") == 1, "the line about node-b");
            assertThat(peers.current().get("10.244.2.0-24").publicIp().getHostAddress()).isEqualTo("192.168.50.3");

            // fixed: it is picked up
            annotate("node-d", P + "backend-data", "{\"VNI\":1,\"VtepMAC\":\"aa:bb:cc:00:00:05\"}");
            eventually(() -> peers.current().containsKey("10.244.4.0-24"), "node-d once fixed");
            assertThat(registry.skippedNodeEvents()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aNodeThatKeepsSendingBadAnnotationsIsLoggedOncePerIntervalNotOncePerEvent() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of());
        Map<String, String> bad = new java.util.HashMap<>(flannelAnnotations("192.168.50.5", "aa:bb:cc:00:00:05"));
        bad.put(P + "public-ip", "not-an-ip");
        createNode("node-d", "10.244.4.0/24", bad);
        KubeSettings quiet = new KubeSettings(FAST.resync(), FAST.retryMin(), FAST.retryMax(), Duration.ofMinutes(10));
        try (LogCapture log = new LogCapture()) {
            registry = KubeSubnetRegistry.withClient(options(false), quiet, Map.of("NODE_NAME", "node-a"), server.client());
            registry.awaitConfig();
            Recorder peers = new Recorder();
            registry.startWatching(registry.acquire(netConfig(), request("192.168.50.2")).lease().subnet(), peers);
            eventually(() -> registry.skippedNodeEvents() == 1, "node-d skipped");
            // a controller that keeps rewriting the bad value: every event is skipped, one line in ten minutes
            for (int i = 1; i <= 3; i++) {
                annotate("node-d", P + "public-ip", "still-not-an-ip-" + i);
            }
            eventually(() -> registry.skippedNodeEvents() == 4, "every update of node-d skipped");
            assertThat(log.count("node node-d: annotation " + P + "public-ip")).isEqualTo(1);
            assertThat(peers.current()).isEmpty();
        }
    }

    @Test
    void theTimingsAreFlanneldsWhereItHasThem() {
        // flanneld's node informer resyncs every 5 minutes (pkg/subnet/kube/kube.go, resyncPeriod)
        assertThat(KubeSettings.defaults().resync()).isEqualTo(Duration.ofMinutes(5));
        // API retries back off from 1 s to 30 s, and a repeating condition is logged at most every 30 s
        assertThat(KubeSettings.defaults().backoff(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(KubeSettings.defaults().backoff(3)).isEqualTo(Duration.ofSeconds(8));
        assertThat(KubeSettings.defaults().backoff(40)).isEqualTo(Duration.ofSeconds(30));
        assertThat(KubeSettings.defaults().reportEvery()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aPodCidrOutsideNetworkIsReportedAndWaitedFor() throws Exception {
        createNode("node-a", "10.99.0.0/24", Map.of());
        registry = registry("node-a", false);
        registry.awaitConfig();
        try (LogCapture log = new LogCapture()) {
            Future<HeldLease> acquired = background.submit(() -> registry.acquire(netConfig(), request("192.168.50.2")));
            String line = "node node-a's podCIDR 10.99.0.0/24 is not inside Network 10.244.0.0/16 of "
                    + dir.resolve("net-conf.json") + "; make net-conf.json's Network the cluster's --cluster-cidr."
                    + " Waiting for the podCIDR to change";
            eventually(() -> log.count(line) >= 1, "the podCIDR line");
            assertThat(acquired.isDone()).isFalse();
            assertThat(annotations("node-a")).doesNotContainKey(P + "kube-subnet-manager");

            admin.nodes().withName("node-a").edit(n -> new NodeBuilder(n).editSpec().withPodCIDR("10.244.9.0/24")
                    .withPodCIDRs("10.244.9.0/24").endSpec().build());
            assertThat(acquired.get(10, TimeUnit.SECONDS).lease().subnet()).isEqualTo(Subnet.parse("10.244.9.0/24"));
        }
    }

    @Test
    void aNodeWithoutPodCidrIsWaitedForWithItsMessage() throws Exception {
        createNode("node-a", null, Map.of());
        registry = registry("node-a", false);
        registry.awaitConfig();
        try (LogCapture log = new LogCapture()) {
            Future<HeldLease> acquired = background.submit(() -> registry.acquire(netConfig(), request("192.168.50.2")));
            eventually(() -> log.count("node node-a has no spec.podCIDR yet; waiting for the controller-manager") >= 1,
                    "the line");
            admin.nodes().withName("node-a").edit(n -> new NodeBuilder(n).editSpec().withPodCIDR("10.244.5.0/24").endSpec()
                    .build());
            assertThat(acquired.get(10, TimeUnit.SECONDS).lease().subnet()).isEqualTo(Subnet.parse("10.244.5.0/24"));
        }
    }

    @Test
    void aRefusedPatchNamesTheMissingRbacVerb() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of());
        server.forbid("patch", "nodes/status");
        registry = registry("node-a", false);
        registry.awaitConfig();
        try (LogCapture log = new LogCapture()) {
            Future<HeldLease> acquired = background.submit(() -> registry.acquire(netConfig(), request("192.168.50.2")));
            eventually(() -> log.count("the API server refused to patch nodes/status (403 Forbidden): the ClusterRole"
                    + " bound to weft's ServiceAccount must allow verb \"patch\" on resource \"nodes/status\"") >= 1, "403 line");
            server.allowAll();
            assertThat(acquired.get(10, TimeUnit.SECONDS).lease().subnet()).isEqualTo(Subnet.parse("10.244.1.0/24"));
        }
    }

    @Test
    void aRefusedListNamesTheMissingRbacVerb() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of());
        server.forbid("list", "nodes");
        try (LogCapture log = new LogCapture()) {
            registry = registry("node-a", false);
            Future<?> config = background.submit(() -> registry.awaitConfig());
            eventually(() -> log.count("must allow verb \"list\" on resource \"nodes\"") >= 1, "403 line");
            server.allowAll();
            config.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void anApiServerThatGoesAwayLeavesThePeersAndIsFollowedAgainWhenBack() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of());
        createNode("node-b", "10.244.2.0/24", flannelAnnotations("192.168.50.3", "aa:bb:cc:00:00:02"));
        Recorder peers = watchAsNodeA();
        eventually(() -> peers.current().containsKey("10.244.2.0-24"), "node-b");

        eventually(registry::watching, "the node watch open");
        Thread.sleep(1500); // the watch-state check runs every second: let it see the watch open
        try (LogCapture log = new LogCapture()) {
            server.goAway();
            eventually(() -> log.count("lost the node watch at " + server.url() + "/; forwarding stays as it is,"
                    + " reconnecting with backoff") == 1, "the line about the lost watch");
            assertThat(registry.watching()).isFalse();
            assertThat(peers.current()).containsOnlyKeys("10.244.2.0-24");
            assertThat(peers.removals).isZero();

            server.comeBack();
            eventually(() -> log.count("node watch at " + server.url() + "/ is back") == 1, "the line about the watch");
        }
        try (KubernetesClient again = server.client()) {
            again.nodes().resource(node("node-e", "10.244.6.0/24", flannelAnnotations("192.168.50.6", "aa:bb:cc:00:00:06")))
                    .create();
            eventually(() -> peers.current().containsKey("10.244.6.0-24"), "node-e after the API server came back");
            again.nodes().withName("node-b").delete();
            eventually(() -> !peers.current().containsKey("10.244.2.0-24"), "node-b removed");
        }
    }

    @Test
    void aMissingNetConfNamesTheFile() {
        registry = KubeSubnetRegistry.withClient(options(true).withNetConfigPath(dir.resolve("nope.json")), FAST,
                Map.of("NODE_NAME", "node-a"), server.client());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> registry.awaitConfig())
                .hasMessageContaining(dir.resolve("nope.json") + " does not exist: mount the kube-flannel-cfg ConfigMap");
    }

    @Test
    void aMissingNetConfIsWaitedOutWithItsMessageAsFlanneldWaitsForItsConfig() throws Exception {
        createNode("node-a", "10.244.1.0/24", Map.of());
        Path conf = dir.resolve("later.json");
        registry = KubeSubnetRegistry.withClient(options(false).withNetConfigPath(conf), FAST, Map.of("NODE_NAME", "node-a"),
                server.client());
        try (LogCapture log = new LogCapture()) {
            Future<NetworkConfig> config = background.submit(() -> registry.awaitValidConfig());
            eventually(() -> log.count(conf + " does not exist: mount the kube-flannel-cfg ConfigMap's net-conf.json there,"
                    + " or pass -net-config-path; waiting for it to be fixed") >= 1, "the line");
            assertThat(config.isDone()).isFalse();
            Files.writeString(conf, "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
            assertThat(config.get(10, TimeUnit.SECONDS).network()).isEqualTo(Subnet.parse("10.244.0.0/16"));
        }
    }

    @Test
    void annotationPrefixFollowsFlannelsRules() {
        assertThat(AnnotationNames.forPrefix("example.com").publicIp()).isEqualTo("example.com/public-ip");
        assertThat(AnnotationNames.forPrefix("example.com/net").publicIp()).isEqualTo("example.com/net-public-ip");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AnnotationNames.forPrefix("a/b/c"))
                .hasMessageContaining("at most one slash");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AnnotationNames.forPrefix("Nodots"))
                .hasMessageContaining("must have the form");
    }

    // ---- helpers ----

    /** Runs the registry as node-a (public IP 192.168.50.2) through to watching its peers. */
    private Recorder watchAsNodeA() throws Exception {
        registry = registry("node-a", false);
        registry.awaitConfig();
        HeldLease lease = registry.acquire(netConfig(), request("192.168.50.2"));
        Recorder peers = new Recorder();
        registry.startWatching(lease.lease().subnet(), peers);
        return peers;
    }

    private NetworkConfig netConfig() throws Exception {
        return NetworkConfig.parse(Files.readString(dir.resolve("net-conf.json")));
    }

    private KubeSubnetRegistry registry(String nodeName, boolean setNetworkUnavailable) {
        return KubeSubnetRegistry.withClient(options(setNetworkUnavailable), FAST, Map.of("NODE_NAME", nodeName),
                server.client());
    }

    private KubeOptions options(boolean setNetworkUnavailable) {
        return new KubeOptions(server.url(), "", KubeOptions.DEFAULT_PREFIX, dir.resolve("net-conf.json"),
                setNetworkUnavailable);
    }

    private static AcquireRequest request(String publicIp) throws Exception {
        return new AcquireRequest((Inet4Address) InetAddress.getByName(publicIp), null, new BackendData(1, MAC), null,
                null, null);
    }

    private static Map<String, String> flannelAnnotations(String publicIp, String mac) {
        return Map.of(P + "backend-type", "vxlan", P + "backend-data", "{\"VNI\":1,\"VtepMAC\":\"" + mac + "\"}",
                P + "public-ip", publicIp, P + "kube-subnet-manager", "true");
    }

    private void createNode(String name, String podCidr, Map<String, String> annotations) {
        admin.nodes().resource(node(name, podCidr, annotations)).create();
    }

    private static Node node(String name, String podCidr, Map<String, String> annotations) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).withAnnotations(annotations).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus();
        if (podCidr != null) {
            b.editSpec().withPodCIDR(podCidr).withPodCIDRs(podCidr).endSpec();
        }
        return b.build();
    }

    private void annotate(String node, String key, String value) {
        admin.nodes().withName(node).edit(n -> {
            Map<String, String> a = new java.util.HashMap<>(n.getMetadata().getAnnotations() == null
                    ? Map.of() : n.getMetadata().getAnnotations());
            if (value == null) {
                a.remove(key);
            } else {
                a.put(key, value);
            }
            return new NodeBuilder(n).editMetadata().withAnnotations(a).endMetadata().build();
        });
    }

    private Node node(String name) {
        return admin.nodes().withName(name).get();
    }

    private Map<String, String> annotations(String name) {
        Map<String, String> a = node(name).getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    private NodeCondition condition(String name) {
        Node n = node(name);
        if (n.getStatus() == null || n.getStatus().getConditions() == null) {
            return null;
        }
        return n.getStatus().getConditions().stream().filter(c -> "NetworkUnavailable".equals(c.getType()))
                .findFirst().orElse(null);
    }

    private static void eventually(BooleanSupplier check, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            try {
                if (check.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException ignored) {
                // not there yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("within 15 s: " + what);
    }

    /** LeaseEvents as the table feeder receives them. */
    private static final class Recorder implements LeaseEvents {
        private final Map<String, Lease> leases = new ConcurrentHashMap<>();
        volatile int batches;
        volatile int removals;

        @Override
        public void added(Lease lease) {
            leases.put(lease.key(), lease);
        }

        @Override
        public void removed(Lease lease) {
            removals++;
            leases.remove(lease.key());
        }

        @Override
        public void batchDone() {
            batches++;
        }

        final Map<String, WeftAdvert> adverts = new ConcurrentHashMap<>();

        @Override
        public void advertised(String leaseKey, WeftAdvert advert) {
            if (advert == null) {
                adverts.remove(leaseKey);
            } else {
                adverts.put(leaseKey, advert);
            }
        }

        Map<String, Lease> current() {
            return leases;
        }
    }
}
