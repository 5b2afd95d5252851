package io.weft.fdb.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.fdb.BackendData;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.registry.AcquireRequest;
import io.weft.fdb.registry.AcquiredLease;
import io.weft.fdb.registry.HeldLease;
import io.weft.fdb.registry.LeaseEvents;
import io.weft.fdb.registry.LeaseListener;
import io.weft.fdb.Lease;
import io.weft.labkit.kube.MockKubeApiServer;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** deploy/kube-weft.yml: flannel's names, the RBAC weft's calls need and no more, and the DaemonSet's host access. */
class KubeManifestTest {
    private static final Path MANIFEST = Path.of("..", "deploy", "kube-weft.yml");
    private static List<JsonNode> docs;

    @TempDir
    Path dir;

    @BeforeAll
    static void read() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(MANIFEST.toFile())) {
            yaml.readValues(parser, JsonNode.class).forEachRemaining(d -> {
                if (d != null && !d.isEmpty()) {
                    docs.add(d);
                }
            });
        }
    }

    @Test
    void theClusterRoleGrantsExactlyWhatTheSubnetManagerCalls() {
        assertThat(rules()).containsExactlyInAnyOrder("get pods", "get nodes", "list nodes", "watch nodes",
                "patch nodes/status");
        JsonNode binding = doc("ClusterRoleBinding", "weft");
        assertThat(binding.at("/roleRef/name").asText()).isEqualTo("weft");
        assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(daemonSet().at("/spec/template/spec/serviceAccountName").asText());
        assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo("kube-flannel");
    }

    /** The registry, held to those rules by the API server, takes its subnet, annotates, watches and is done. */
    @Test
    void thoseRulesAreEnoughForTheSubnetManager() throws Exception {
        try (MockKubeApiServer server = MockKubeApiServer.startOnLoopback(); KubernetesClient admin = server.client()) {
            admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().withNewSpec()
                    .withPodCIDR("10.244.1.0/24").endSpec().build()).create();
            admin.pods().inNamespace("kube-flannel").resource(new PodBuilder().withNewMetadata().withName("kube-weft-ds-x")
                    .endMetadata().withNewSpec().withNodeName("node-a").endSpec().build()).create();
            server.allowOnly(rules());
            Files.writeString(dir.resolve("net-conf.json"), netConf());
            KubeOptions options = new KubeOptions(server.url(), "", KubeOptions.DEFAULT_PREFIX, dir.resolve("net-conf.json"), true);
            KubeSettings fast = new KubeSettings(Duration.ofMinutes(5), Duration.ofMillis(100), Duration.ofMillis(400),
                    Duration.ofSeconds(1));
            // a missing rule would leave the registry retrying (and saying which verb it lacks): bounded here
            assertTimeoutPreemptively(Duration.ofSeconds(40), () -> {
            try (KubeSubnetRegistry registry = KubeSubnetRegistry.withClient(options, fast,
                    Map.of("POD_NAME", "kube-weft-ds-x", "POD_NAMESPACE", "kube-flannel"), server.client())) {
                registry.awaitConfig();
                HeldLease lease = registry.acquire(NetworkConfig.parse(netConf()), new AcquireRequest((Inet4Address) InetAddress.getByName("192.168.50.2"),
                        null, new BackendData(1, MacAddress.parse("12:c6:65:89:b4:e3")), null, null, null));
                registry.startKeeping(lease, new LeaseListener() { });
                registry.startWatching(lease.lease().subnet(), new LeaseEvents() {
                    @Override
                    public void added(Lease l) {
                    }

                    @Override
                    public void removed(Lease l) {
                    }
                });
                long deadline = System.nanoTime() + 15_000_000_000L;
                while (System.nanoTime() < deadline && (admin.nodes().withName("node-a").get().getStatus() == null
                        || admin.nodes().withName("node-a").get().getStatus().getConditions().isEmpty())) {
                    Thread.sleep(50);
                }
                assertThat(admin.nodes().withName("node-a").get().getStatus().getConditions())
                        .anyMatch(c -> c.getType().equals("NetworkUnavailable") && c.getStatus().equals("False"));
                assertThat(admin.nodes().withName("node-a").get().getMetadata().getAnnotations())
                        .containsEntry("flannel.alpha.coreos.com/kube-subnet-manager", "true");
            }
            });
            // every verb in the ClusterRole was used (a rule nothing calls would be one too many)
            assertThat(server.requested()).containsAll(rules());
        }
    }

    @Test
    void theConfigMapKeepsFlannelsNamesAndItsNetConfParses() throws Exception {
        JsonNode cm = doc("ConfigMap", "kube-flannel-cfg");
        assertThat(cm.at("/metadata/namespace").asText()).isEqualTo("kube-flannel");
        NetworkConfig config = NetworkConfig.parse(netConf());
        assertThat(config.network().toString()).isEqualTo("10.244.0.0/16");
        JsonNode cni = new ObjectMapper().readTree(cm.at("/data/cni-conf.json").asText());
        assertThat(cni.at("/plugins/0/type").asText()).isEqualTo("flannel");
        assertThat(cni.at("/plugins/1/type").asText()).isEqualTo("portmap");
        // the only object an existing kube-flannel install already has is kept out of `kubectl apply -l app=weft`
        assertThat(docs).filteredOn(d -> !"weft".equals(d.at("/metadata/labels/app").asText()))
                .extracting(d -> d.path("kind").asText()).containsExactly("ConfigMap");
    }

    @Test
    void theDaemonSetRunsOnTheHostNetworkWithTwoCapabilitiesAndItsMounts() {
        JsonNode spec = daemonSet().at("/spec/template/spec");
        assertThat(spec.path("hostNetwork").asBoolean()).isTrue();
        JsonNode weft = spec.at("/containers/0");
        assertThat(weft.at("/securityContext/privileged").asBoolean(true)).isFalse();
        assertThat(texts(weft.at("/securityContext/capabilities/add"))).containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW");
        assertThat(texts(weft.path("args"))).contains("run", "--kube-subnet-mgr", "--ip-masq", "--healthz-port=8081");
        assertThat(weft.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
        assertThat(weft.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
        assertThat(weft.at("/ports/0/containerPort").asInt()).isEqualTo(8081);
        assertThat(texts(weft.path("env"), "name")).contains("POD_NAME", "POD_NAMESPACE");

        Map<String, String> mounts = mounts(weft);
        assertThat(mounts).containsEntry("/run/flannel", "/run/flannel")
                .containsEntry("/etc/cni/net.d", "/etc/cni/net.d")
                .containsEntry("/dev/net/tun", "/dev/net/tun")
                .containsEntry("/etc/kube-flannel/", "configMap:kube-flannel-cfg");
        assertThat(volume(spec, "dev-net-tun").at("/hostPath/type").asText()).isEqualTo("CharDevice");

        JsonNode installCni = StreamSupport.stream(spec.path("initContainers").spliterator(), false)
                .filter(c -> c.path("name").asText().equals("install-cni")).findFirst().orElseThrow();
        assertThat(texts(installCni.path("args"))).containsSubsequence("/etc/kube-flannel/cni-conf.json",
                "/etc/cni/net.d/10-flannel.conflist");
        assertThat(mounts(installCni)).containsEntry("/etc/cni/net.d", "/etc/cni/net.d");
    }

    // ---- helpers ----

    private static Set<String> rules() {
        Set<String> out = new HashSet<>();
        for (JsonNode rule : doc("ClusterRole", "weft").path("rules")) {
            assertThat(texts(rule.path("apiGroups"))).containsExactly("");
            for (String resource : texts(rule.path("resources"))) {
                for (String verb : texts(rule.path("verbs"))) {
                    out.add(verb + " " + resource);
                }
            }
        }
        return out;
    }

    private static String netConf() {
        return doc("ConfigMap", "kube-flannel-cfg").at("/data/net-conf.json").asText();
    }

    private static JsonNode daemonSet() {
        return doc("DaemonSet", "kube-weft-ds");
    }

    private static JsonNode doc(String kind, String name) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText()) && name.equals(d.at("/metadata/name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + MANIFEST));
    }

    private static JsonNode volume(JsonNode podSpec, String name) {
        for (JsonNode v : podSpec.path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    /** mountPath -> the host path (or configMap:name) behind it. */
    private Map<String, String> mounts(JsonNode container) {
        JsonNode podSpec = daemonSet().at("/spec/template/spec");
        Map<String, String> out = new ConcurrentHashMap<>();
        for (JsonNode m : container.path("volumeMounts")) {
            JsonNode v = volume(podSpec, m.path("name").asText());
            String source = v.has("hostPath") ? v.at("/hostPath/path").asText() : "configMap:" + v.at("/configMap/name").asText();
            out.put(m.path("mountPath").asText(), source);
        }
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path(field).asText()));
        return out;
    }
}
