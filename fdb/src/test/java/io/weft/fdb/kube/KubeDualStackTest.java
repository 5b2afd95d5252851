package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import io.weft.fdb.path.WeftAdvert;
import io.weft.fdb.registry.AcquireRequest;
import io.weft.fdb.registry.HeldLease;
import io.weft.fdb.registry.LeaseEvents;
import io.weft.labkit.LogCapture;
import io.weft.labkit.kube.MockKubeApiServer;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Kube mode with {@code EnableIPv6} (dual-stack and IPv6-only) against fabric8's mock API server in CRUD mode. */
class KubeDualStackTest {
    private static final String P = "flannel.alpha.coreos.com/";
    private static final String DUAL = "{\"Network\":\"10.244.0.0/16\",\"IPv6Network\":\"fd00:10:244::/56\","
            + "\"EnableIPv6\":true,\"Backend\":{\"Type\":\"vxlan\"}}";
    private static final String V6_ONLY = "{\"EnableIPv4\":false,\"IPv6Network\":\"fd00:10:244::/56\","
            + "\"EnableIPv6\":true,\"Backend\":{\"Type\":\"vxlan\"}}";
    private static final MacAddress MAC = MacAddress.parse("12:c6:65:89:b4:e3");
    private static final MacAddress MAC6 = MacAddress.parse("12:c6:65:89:b4:e6");
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
    void dualStackWritesFlanneldsIpv6AnnotationsAndTheLeaseHasBothHalves() throws Exception {
        HeldLease lease = acquireAsNodeA(DUAL, List.of("10.244.1.0/24", "fd00:10:244:1::/64"), Map.of());

        assertThat(lease.lease().subnet()).isEqualTo(Subnet.parse("10.244.1.0/24"));
        assertThat(lease.lease().ipv6Subnet()).isEqualTo(Subnet.parse("fd00:10:244:1::/64"));
        assertThat(Subnet.formatAddress(lease.lease().publicIpv6())).isEqualTo("fd00:50::2");
        assertThat(lease.lease().backendV6Data()).isEqualTo(new BackendData(1, MAC6));
        // flanneld's AcquireLease with EnableIPv6: backend-v6-data is the v6 device's vxlan lease attributes,
        // public-ipv6 attrs.PublicIPv6.String(), beside the IPv4 annotations.
        assertThat(annotations("node-a")).containsExactlyInAnyOrderEntriesOf(Map.of(
                P + "backend-type", "vxlan",
                P + "backend-data", "{\"VNI\":1,\"VtepMAC\":\"12:c6:65:89:b4:e3\"}",
                P + "public-ip", "192.168.50.2",
                P + "backend-v6-data", "{\"VNI\":1,\"VtepMAC\":\"12:c6:65:89:b4:e6\"}",
                P + "public-ipv6", "fd00:50::2",
                P + "kube-subnet-manager", "true"));
    }

    @Test
    void ipv6OnlyTakesTheIpv6PodCidrAndWritesNoIpv4BackendData() throws Exception {
        HeldLease lease = acquireAsNodeA(V6_ONLY, List.of("fd00:10:244:1::/64"), Map.of());

        assertThat(lease.lease().ipv6Subnet()).isEqualTo(Subnet.parse("fd00:10:244:1::/64"));
        assertThat(lease.lease().backendData()).isNull();
        assertThat(lease.lease().backendV6Data()).isEqualTo(new BackendData(1, MAC6));
        // flanneld's IPv4 backend data is "null" on an IPv6-only network: it writes neither backend-data nor public-ip
        assertThat(annotations("node-a")).containsExactlyInAnyOrderEntriesOf(Map.of(
                P + "backend-type", "vxlan",
                P + "backend-v6-data", "{\"VNI\":1,\"VtepMAC\":\"12:c6:65:89:b4:e6\"}",
                P + "public-ipv6", "fd00:50::2",
                P + "kube-subnet-manager", "true"));
    }

    @Test
    void publicIpv6OverwriteIsAdvertisedAndNodePublicIpv6IsRead() throws Exception {
        HeldLease lease = acquireAsNodeA(DUAL, List.of("10.244.1.0/24", "fd00:10:244:1::/64"),
                Map.of(P + "public-ipv6-overwrite", "2001:db8::7", P + "node-public-ipv6", "fd00:50::9"));

        assertThat(Subnet.formatAddress(lease.lease().publicIpv6())).isEqualTo("2001:db8::7");
        assertThat(annotations("node-a")).containsEntry(P + "public-ipv6", "2001:db8::7");
        assertThat(registry.storedPublicIpv6()).isEqualTo("fd00:50::9");
    }

    @Test
    void dualStackPeersCarryTheirIpv6HalfAndABadOneIsSkippedWithItsLine() throws Exception {
        createNode("node-b", List.of("10.244.2.0/24", "fd00:10:244:2::/64"),
                dualStackAnnotations("192.168.50.3", "aa:bb:cc:00:00:02", "fd00:50::3", "aa:bb:cc:00:06:02"));
        Map<String, String> noV6Data = new HashMap<>(
                dualStackAnnotations("192.168.50.4", "aa:bb:cc:00:00:03", "fd00:50::4", "aa:bb:cc:00:06:03"));
        noV6Data.remove(P + "backend-v6-data");
        try (LogCapture log = new LogCapture()) {
            createNode("node-c", List.of("10.244.3.0/24", "fd00:10:244:3::/64"), noV6Data);
            HeldLease lease = acquireAsNodeA(DUAL, List.of("10.244.1.0/24", "fd00:10:244:1::/64"), Map.of());
            Recorder peers = new Recorder();
            registry.startWatching(io.weft.fdb.registry.SubnetKey.of(lease.lease()), peers);

            String keyB = "10.244.2.0-24&fd00:10:244:2::-64";
            eventually(() -> peers.leases.containsKey(keyB), "node-b's dual-stack lease");
            Lease b = peers.leases.get(keyB);
            assertThat(b.publicIp().getHostAddress()).isEqualTo("192.168.50.3");
            assertThat(Subnet.formatAddress(b.publicIpv6())).isEqualTo("fd00:50::3");
            assertThat(b.backendV6Data()).isEqualTo(new BackendData(1, MacAddress.parse("aa:bb:cc:00:06:02")));
            eventually(() -> log.count("node-c: annotation " + P + "backend-v6-data is missing although the network"
                    + " config enables IPv6") >= 1, "node-c's line");
            assertThat(peers.leases).containsOnlyKeys(keyB);

            annotate("node-c", P + "backend-v6-data", "{\"VNI\":1,\"VtepMAC\":\"aa:bb:cc:00:06:03\"}");
            eventually(() -> peers.leases.containsKey("10.244.3.0-24&fd00:10:244:3::-64"), "node-c once fixed");
        }
    }

    @Test
    void ipv6OnlyPeersAreReadFromTheirIpv6PodCidr() throws Exception {
        Map<String, String> b = new HashMap<>(
                dualStackAnnotations("192.168.50.3", "aa:bb:cc:00:00:02", "fd00:50::3", "aa:bb:cc:00:06:02"));
        b.remove(P + "backend-data");
        b.remove(P + "public-ip");
        createNode("node-b", List.of("fd00:10:244:2::/64"), b);
        HeldLease lease = acquireAsNodeA(V6_ONLY, List.of("fd00:10:244:1::/64"), Map.of());
        Recorder peers = new Recorder();
        registry.startWatching(io.weft.fdb.registry.SubnetKey.of(lease.lease()), peers);

        eventually(() -> peers.leases.size() == 1, "node-b's IPv6-only lease");
        Lease peer = peers.leases.values().iterator().next();
        assertThat(peer.ipv6Subnet()).isEqualTo(Subnet.parse("fd00:10:244:2::/64"));
        assertThat(Subnet.formatAddress(peer.publicIpv6())).isEqualTo("fd00:50::3");
        assertThat(peer.backendData()).isNull();
        assertThat(peer.backendV6Data()).isEqualTo(new BackendData(1, MacAddress.parse("aa:bb:cc:00:06:02")));
    }

    @Test
    void aNodeWithoutAnIpv6PodCidrIsWaitedForWithOneLineSayingWhatToChange() throws Exception {
        Files.writeString(dir.resolve("net-conf.json"), DUAL);
        createNode("node-a", List.of("10.244.1.0/24"), Map.of());
        registry = registry();
        registry.awaitConfig();
        try (LogCapture log = new LogCapture()) {
            Future<HeldLease> acquired = background.submit(() -> registry.acquire(netConfig(), request()));
            String line = "node node-a has no IPv6 podCIDR (spec.podCIDRs [10.244.1.0/24]) although "
                    + dir.resolve("net-conf.json") + " enables IPv6; give kube-controller-manager a dual-stack"
                    + " --cluster-cidr=10.244.0.0/16,fd00:10:244::/56 (or set \"EnableIPv6\": false). Waiting for the"
                    + " podCIDRs to change";
            eventually(() -> log.count(line) >= 1, "the missing-IPv6-podCIDR line");
            assertThat(acquired.isDone()).isFalse();
            assertThat(annotations("node-a")).doesNotContainKey(P + "kube-subnet-manager");

            admin.nodes().withName("node-a").edit(n -> new NodeBuilder(n).editSpec()
                    .withPodCIDRs("10.244.1.0/24", "fd00:10:244:1::/64").endSpec().build());
            assertThat(acquired.get(10, TimeUnit.SECONDS).lease().ipv6Subnet())
                    .isEqualTo(Subnet.parse("fd00:10:244:1::/64"));
        }
    }

    @Test
    void anIpv6PodCidrOutsideIpv6NetworkAndAnIpv6OnlyNodeOnAnIpv4NetworkEachGetTheirLine() throws Exception {
        Files.writeString(dir.resolve("net-conf.json"), DUAL);
        createNode("node-a", List.of("10.244.1.0/24", "fd00:99::/64"), Map.of());
        registry = registry();
        registry.awaitConfig();
        try (LogCapture log = new LogCapture()) {
            Future<HeldLease> acquired = background.submit(() -> registry.acquire(netConfig(), request()));
            eventually(() -> log.count("node node-a's IPv6 podCIDR fd00:99::/64 is not inside IPv6Network"
                    + " fd00:10:244::/56 of " + dir.resolve("net-conf.json") + "; make net-conf.json's IPv6Network the"
                    + " cluster's IPv6 --cluster-cidr. Waiting for the podCIDR to change") >= 1, "the outside line");
            admin.nodes().withName("node-a").edit(n -> new NodeBuilder(n).editSpec().withPodCIDR("fd00:10:244:1::/64")
                    .withPodCIDRs("fd00:10:244:1::/64").endSpec().build());
            eventually(() -> log.count("node node-a has no IPv4 podCIDR (spec.podCIDRs [fd00:10:244:1::/64]) although "
                    + dir.resolve("net-conf.json") + " enables IPv4; for an IPv6-only cluster set \"EnableIPv4\": false,"
                    + " else give the cluster an IPv4 --cluster-cidr as well. Waiting for the podCIDRs to change") >= 1,
                    "the no-IPv4 line");
            assertThat(acquired.isDone()).isFalse();
        }
    }

    // ---- helpers ----

    private HeldLease acquireAsNodeA(String netConf, List<String> podCidrs, Map<String, String> annotations)
            throws Exception {
        Files.writeString(dir.resolve("net-conf.json"), netConf);
        createNode("node-a", podCidrs, annotations);
        registry = registry();
        registry.awaitConfig();
        return registry.acquire(netConfig(), request());
    }

    private static Map<String, String> dualStackAnnotations(String publicIp, String mac, String publicIpv6, String mac6) {
        return Map.of(P + "backend-type", "vxlan", P + "backend-data", "{\"VNI\":1,\"VtepMAC\":\"" + mac + "\"}",
                P + "public-ip", publicIp, P + "backend-v6-data", "{\"VNI\":1,\"VtepMAC\":\"" + mac6 + "\"}",
                P + "public-ipv6", publicIpv6, P + "kube-subnet-manager", "true");
    }

    private NetworkConfig netConfig() throws Exception {
        return NetworkConfig.parse(Files.readString(dir.resolve("net-conf.json")));
    }

    private KubeSubnetRegistry registry() {
        return KubeSubnetRegistry.withClient(new KubeOptions(server.url(), "", KubeOptions.DEFAULT_PREFIX,
                dir.resolve("net-conf.json"), false), FAST, Map.of("NODE_NAME", "node-a"), server.client());
    }

    /** node-a's request: PublicIP 192.168.50.2 (flannel's 0.0.0.0 is not needed here), PublicIPv6 fd00:50::2. */
    private static AcquireRequest request() throws Exception {
        return new AcquireRequest((Inet4Address) InetAddress.getByName("192.168.50.2"),
                (Inet6Address) InetAddress.getByName("fd00:50::2"), new BackendData(1, MAC), new BackendData(1, MAC6),
                null, null);
    }

    private void createNode(String name, List<String> podCidrs, Map<String, String> annotations) {
        Node n = new NodeBuilder().withNewMetadata().withName(name).withAnnotations(annotations).endMetadata()
                .withNewSpec().withPodCIDR(podCidrs.get(0)).withPodCIDRs(podCidrs).endSpec().build();
        admin.nodes().resource(n).create();
    }

    private void annotate(String node, String key, String value) {
        admin.nodes().withName(node).edit(n -> {
            Map<String, String> a = new HashMap<>(n.getMetadata().getAnnotations());
            a.put(key, value);
            return new NodeBuilder(n).editMetadata().withAnnotations(a).endMetadata().build();
        });
    }

    private Map<String, String> annotations(String name) {
        Map<String, String> a = admin.nodes().withName(name).get().getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    private static void eventually(BooleanSupplier check, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("within 15 s: " + what);
    }

    /** The peers' leases as the table feeder receives them. */
    private static final class Recorder implements LeaseEvents {
        final Map<String, Lease> leases = new ConcurrentHashMap<>();

        @Override
        public void added(Lease lease) {
            leases.put(lease.key(), lease);
        }

        @Override
        public void removed(Lease lease) {
            leases.remove(lease.key());
        }

        @Override
        public void changed(Lease before, Lease after) {
            leases.remove(before.key());
            leases.put(after.key(), after);
        }

        @Override
        public void batchDone() {
        }

        @Override
        public void advertised(String leaseKey, WeftAdvert advert) {
        }
    }
}
