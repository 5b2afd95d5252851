package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.labkit.process.Cmd;
import io.weft.labkit.netns.NatGateway;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.kube.MockKubeApiServerProcess;
import io.weft.labkit.SystemTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code weft run -kube-subnet-mgr} on a cluster whose API server is fabric8's mock in CRUD mode, run as its own
 * process in the switch namespace: two weft nodes (h1 with NODE_NAME and flags, in iptables mode; h2 finding its node
 * through its pod with FLANNELD_* and WEFT_* variables, in nftables mode: its net-conf.json sets EnableNFTables, as
 * a host being moved to nftables has) and one kernel node (k3, scripts/lab/mini-flanneld-kube: flanneld's kube mode
 * with flannel.1), each with a pod. Both weft nodes keep --node-ip-dnat rules. The tests run in order on one cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String P = "flannel.alpha.coreos.com/";
    private static final String API = "http://" + AgentLab.ETCD_IP + ":6443";
    private static final String[] NODES = {"h1", "h2", "k3"};
    /** n4's mapping in weft's nftables table, as nft lists it. */
    private static final String N4_DNAT = "ip daddr 10.0.0.2 dnat to 10.98.0.11 comment \"weft node-ip-dnat n4\"";
    private static final String N4_MASQUERADE = "ct status dnat ct original ip daddr 10.0.0.2 masquerade"
            + " comment \"weft node-ip-dnat n4\"";

    private AgentLab lab;
    private MockKubeApiServerProcess api;
    private final AgentProcess[] agents = new AgentProcess[2];
    private final String[] podIps = new String[3];
    private final List<Process> echoServers = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        lab = new AgentLab("wdp-kb-");
        SystemTests.requireBinary("socat", "socat");
        SystemTests.requireBinary("curl", "curl");
        api = MockKubeApiServerProcess.start(lab.sw.wrap(List.of()), AgentLab.ETCD_IP, 6443);
        Path netConf = lab.dir.resolve("net-conf.json");
        Files.writeString(netConf, "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        Path nftNetConf = lab.dir.resolve("net-conf-nft.json");
        Files.writeString(nftNetConf, "{\"Network\":\"10.244.0.0/16\",\"EnableNFTables\":true,\"Backend\":{\"Type\":\"vxlan\"}}");
        for (int i = 0; i < 3; i++) {
            lab.addHost(NODES[i], i + 1);
            kube("POST", "/api/v1/nodes", "application/json", node(NODES[i], "10.244." + (i + 1) + ".0/24", "10.98.0." + (i + 1)));
        }
        kube("POST", "/api/v1/namespaces/kube-flannel/pods", "application/json", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                + "\"metadata\":{\"name\":\"kube-weft-ds-h2\",\"namespace\":\"kube-flannel\"},\"spec\":{\"nodeName\":\"h2\"}}");

        Path h1 = lab.hostDir("h1");
        agents[0] = AgentProcess.start(lab.host("h1"), h1.resolve("weft.log"), Map.of("NODE_NAME", "h1"), List.of(),
                "run", "-kube-subnet-mgr", "-kube-api-url", API, "-net-config-path", netConf.toString(), "-iface", "eth0",
                "-subnet-file", h1.resolve("subnet.env").toString(), "--run-dir", h1.resolve("run").toString(),
                "--workers", "1", "-ip-masq", "--node-ip-dnat");
        lab.track(agents[0].process);
        Path h2 = lab.hostDir("h2");
        agents[1] = AgentProcess.start(lab.host("h2"), h2.resolve("weft.log"), Map.ofEntries(
                Map.entry("FLANNELD_KUBE_SUBNET_MGR", "true"),
                Map.entry("FLANNELD_KUBE_API_URL", API),
                Map.entry("FLANNELD_NET_CONFIG_PATH", nftNetConf.toString()),
                Map.entry("FLANNELD_IFACE", "eth0"),
                Map.entry("FLANNELD_IP_MASQ", "true"),
                Map.entry("WEFT_NODE_IP_DNAT", "true"),
                Map.entry("FLANNELD_SUBNET_FILE", h2.resolve("subnet.env").toString()),
                Map.entry("POD_NAME", "kube-weft-ds-h2"),
                Map.entry("POD_NAMESPACE", "kube-flannel"),
                Map.entry("WEFT_RUN_DIR", h2.resolve("run").toString()),
                Map.entry("WEFT_WORKERS", "1")), List.of(), "run");
        lab.track(agents[1].process);
        Path k3 = lab.hostDir("k3");
        Process kernel = new ProcessBuilder(lab.host("k3").wrap(List.of(AgentLab.MINI_FLANNELD_KUBE.toString(), "--api", API,
                "--node", "k3", "--iface", "eth0", "--net-conf", netConf.toString(),
                "--subnet-file", k3.resolve("subnet.env").toString())))
                .redirectErrorStream(true).redirectOutput(k3.resolve("mini-flanneld-kube.log").toFile()).start();
        lab.track(kernel);
        for (AgentProcess a : agents) {
            a.awaitOutput("weft is up", 90);
        }
        for (int i = 0; i < 3; i++) {
            Path env = lab.hostDir(NODES[i]).resolve("subnet.env");
            AgentLab.awaitFile(env, 30);
            assertThat(AgentLab.subnetEnvValue(env, "FLANNEL_SUBNET")).isEqualTo("10.244." + (i + 1) + ".1/24");
            podIps[i] = lab.addPod(NODES[i], "10.244." + (i + 1) + ".1/24");
            Process echo = lab.pod(NODES[i]).processBuilder("socat", "TCP-LISTEN:5001,reuseaddr,fork", "EXEC:cat")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            echoServers.add(echo);
            lab.track(echo);
        }
    }

    @AfterAll
    void stopCluster() {
        if (lab != null) {
            lab.close();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    @Order(1)
    void weftWritesTheAnnotationsFlanneldWrites() throws Exception {
        Map<String, String> weft = flannelAnnotations("h1");
        Map<String, String> kernel = flannelAnnotations("k3");
        assertThat(weft.keySet()).isEqualTo(kernel.keySet()).containsExactlyInAnyOrder(P + "backend-data",
                P + "backend-type", P + "kube-subnet-manager", P + "public-ip");
        assertThat(weft).containsEntry(P + "backend-type", "vxlan").containsEntry(P + "kube-subnet-manager", "true")
                .containsEntry(P + "public-ip", "10.98.0.1");
        // backend-data: flanneld's encoding of the vxlan lease attributes, with weft's VtepMAC
        String mac = JSON.readTree(weft.get(P + "backend-data")).path("VtepMAC").asText();
        assertThat(weft.get(P + "backend-data")).isEqualTo("{\"VNI\":1,\"VtepMAC\":\"" + mac + "\"}")
                .matches("\\{\"VNI\":1,\"VtepMAC\":\"[0-9a-f]{2}(:[0-9a-f]{2}){5}\"}");
        assertThat(weftCli("h1", "fdb", "show").output()).contains(flannelMac("k3"));
        // h2 found its node through its pod
        assertThat(flannelAnnotations("h2")).containsEntry(P + "public-ip", "10.98.0.2");
        JsonNode conditions = JSON.readTree(kube("GET", "/api/v1/nodes/h1", null, null)).at("/status/conditions");
        assertThat(conditions.toString()).contains("\"type\":\"NetworkUnavailable\"").contains("\"reason\":\"FlannelIsUp\"");
    }

    @Test
    @Order(2)
    void everyPodReachesEveryOtherPodWithPingAndTcp() {
        for (int from = 0; from < 3; from++) {
            for (int to = 0; to < 3; to++) {
                if (from != to) {
                    assertPing(from, to, true);
                    assertTcp(from, to);
                }
            }
        }
    }

    @Test
    @Order(3)
    void publicIpOverwriteOnARunningNodeIsFollowedWithinSeconds() throws Exception {
        // h2 gets the public side of a 1:1 NAT: 10.98.0.12 reaches it, and its VXLAN packets leave from that address
        // (a NAT rewrites the source and, on the way in, the destination; weft, like flanneld, keeps sending from its
        // interface address); the users' annotation names it. The NAT is emulated on h2 itself as a static 1:1 NAT
        // rewrites, without state: h2's own
        // nat tables (-ip-masq, --node-ip-dnat) have had conntrack follow the VXLAN flow since h2 started, and a
        // conntrack SNAT added now would never apply to a flow conntrack already knows
        Netns h2 = lab.host("h2");
        h2.ip("addr", "add", "10.98.0.12/24", "dev", "eth0");
        h2.exec(20, "sh", "-c", "nft add table ip lab-nat"
                + " && nft add chain ip lab-nat out '{ type filter hook postrouting priority 300 ; }'"
                + " && nft add rule ip lab-nat out oifname eth0 ip saddr 10.98.0.2 udp dport 8472 ip saddr set 10.98.0.12"
                // and the way in, as a 1:1 NAT does: what peers send to 10.98.0.12 reaches h2 at its own 10.98.0.2
                + " && nft add chain ip lab-nat in '{ type filter hook prerouting priority -300 ; }'"
                + " && nft add rule ip lab-nat in iifname eth0 ip daddr 10.98.0.12 udp dport 8472 ip daddr set 10.98.0.2")
                .requireOk();
        kube("PATCH", "/api/v1/nodes/h2", "application/merge-patch+json",
                "{\"metadata\":{\"annotations\":{\"" + P + "public-ip-overwrite\":\"10.98.0.12\"}}}");
        eventually(() -> "10.98.0.12".equals(flannelAnnotations("h2").get(P + "public-ip")), "h2 re-advertises");
        agents[1].awaitOutput("public-ip-overwrite is 10.98.0.12: now advertising public-ip 10.98.0.12 (was 10.98.0.2)", 10);
        eventually(() -> weftCli("h1", "fdb", "show").output().contains("dst 10.98.0.12 "), "h1 (weft) follows");
        // weft's own views follow too: h2's stats (which weft doctor reads) and h1's peers and routes
        assertThat(JSON.readTree(weftCli("h2", "stats", "--json").output()).path("publicIp").asText())
                .as("h2's weft stats").isEqualTo("10.98.0.12");
        assertThat(weftCli("h1", "peers").output()).contains("10.244.2.0/24      10.98.0.12 ");
        assertThat(weftCli("h1", "routes").output()).contains("onlink peer 10.98.0.12:8472");
        eventually(() -> lab.host("k3").exec(10, "bridge", "fdb", "show", "dev", "flannel.1").output()
                .contains("dst 10.98.0.12 "), "k3 (kernel) follows");
        for (int other : new int[] {0, 2}) {
            assertPing(other, 1, true);
            assertTcp(other, 1);
            assertTcp(1, other);
        }
    }

    @Test
    @Order(4)
    void aDeletedNodeIsRemovedFromThePeers() throws Exception {
        String mac = flannelMac("k3");
        assertPing(0, 2, true);
        kube("DELETE", "/api/v1/nodes/k3", null, null);
        eventually(() -> !weftCli("h1", "fdb", "show").output().contains(mac), "k3 gone from h1's table");
        eventually(() -> !weftCli("h2", "fdb", "show").output().contains(mac), "k3 gone from h2's table");
        assertPing(0, 2, false);
        assertPing(0, 1, true);
    }

    @Test
    @Order(5)
    void nodeIpDnatTakesTheApiServersConnectionToAKubeletBehindNat() throws Exception {
        // n4 sits behind a 1:1 NAT: InternalIP 10.0.0.2 (routable nowhere else), public 10.98.0.11
        NatGateway n4 = lab.addHostBehindNat("n4", 1);
        Process kubelet = n4.host().processBuilder("socat", "TCP-LISTEN:10250,reuseaddr,fork", "SYSTEM:echo kubelet-n4")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        lab.track(kubelet);
        kube("POST", "/api/v1/nodes", "application/json", annotatedNode("n4", "10.244.4.0/24", NatGateway.PRIVATE_IP,
                n4.publicIp(), "0a:00:00:00:00:04"));
        // h1 plays the API server's host, which (as any host) has a default route
        lab.host("h1").ip("route", "add", "default", "via", AgentLab.ETCD_IP);
        eventually(() -> weftCli("h1", "routes").output().contains("10.0.0.2 -> 10.98.0.11  (node-ip-dnat, node n4)"),
                "h1 maps n4's InternalIP");
        Cmd.Result exec = lab.host("h1").exec(20, "sh", "-c",
                "timeout 10 socat -t 3 - TCP:" + NatGateway.PRIVATE_IP + ":10250,connect-timeout=5 </dev/null");
        assertThat(exec.output()).as("kubectl exec's connection from h1 to n4's InternalIP: %s", exec).contains("kubelet-n4");
        assertThat(lab.host("h1").exec(20, "iptables", "-t", "nat", "-S", "WEFT-NODE-DNAT").requireOk().output())
                .contains("-A WEFT-NODE-DNAT -d 10.0.0.2/32 -m comment --comment \"weft node-ip-dnat n4\" -j DNAT"
                        + " --to-destination 10.98.0.11");
        agents[0].awaitOutput("--node-ip-dnat: 10.0.0.2 (InternalIP of node n4) -> 10.98.0.11", 10);

        // h2 runs in nftables mode: the same mapping, in weft's own nftables table and in no iptables chain
        lab.host("h2").ip("route", "add", "default", "via", AgentLab.ETCD_IP);
        eventually(() -> nodeDnatTable("h2").output().contains(N4_DNAT), "h2 maps n4's InternalIP in nftables");
        assertThat(nodeDnatTable("h2").output()).contains(N4_MASQUERADE);
        Cmd.Result fromH2 = lab.host("h2").exec(20, "sh", "-c",
                "timeout 10 socat -t 3 - TCP:" + NatGateway.PRIVATE_IP + ":10250,connect-timeout=5 </dev/null");
        assertThat(fromH2.output()).as("from h2 (nftables mode) to n4's InternalIP: %s", fromH2).contains("kubelet-n4");
        assertThat(lab.host("h2").exec(20, "iptables", "-t", "nat", "-S", "WEFT-NODE-DNAT").ok())
                .as("no WEFT-NODE-DNAT iptables chain in nftables mode").isFalse();
        assertThat(weftCli("h2", "routes").output()).contains("10.0.0.2 -> 10.98.0.11  (node-ip-dnat, node n4)");
        // someone flushes weft's table: the next resync (-iptables-resync, 5 s) writes it again
        lab.host("h2").exec(10, "nft", "flush", "table", "ip", "weft-node-dnat").requireOk();
        eventually(() -> nodeDnatTable("h2").output().contains(N4_DNAT), "h2 rewrites its nftables table");
        agents[1].awaitOutput("--node-ip-dnat: the nftables table ip weft-node-dnat was changed by someone else;"
                + " rewriting it", 10);
    }

    @Test
    @Order(6)
    void aSharedInternalIpIsMappedForNoNodeAndSaidSo() throws Exception {
        // n5 comes from the same VPC template: its InternalIP is 10.0.0.2 too
        NatGateway n5 = lab.addHostBehindNat("n5", 3);
        kube("POST", "/api/v1/nodes", "application/json", annotatedNode("n5", "10.244.5.0/24", NatGateway.PRIVATE_IP,
                n5.publicIp(), "0a:00:00:00:00:05"));
        String line = "nodes n4, n5 all have InternalIP 10.0.0.2, so --node-ip-dnat maps none of them";
        agents[0].awaitOutput(line, 15);
        eventually(() -> weftCli("h1", "routes").output().contains("not mapped: " + line), "weft routes says so");
        assertThat(lab.host("h1").exec(20, "iptables", "-t", "nat", "-S", "WEFT-NODE-DNAT").requireOk().output())
                .doesNotContain("10.0.0.2");
        agents[1].awaitOutput(line, 15);
        assertThat(nodeDnatTable("h2").requireOk().output()).doesNotContain("10.0.0.2");
        Cmd.Result doctor = Cmd.run(90, lab.host("h1").wrap(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", AgentLab.JAR.toString(), "doctor", "-kube-subnet-mgr", "-kube-api-url", API,
                "-iface", "eth0", "--run-dir", lab.hostDir("h1").resolve("run").toString())));
        assertThat(doctor.output()).contains(line).contains("kubelet --node-ip");
        // gone again: n4 is mapped again
        kube("DELETE", "/api/v1/nodes/n5", null, null);
        eventually(() -> weftCli("h1", "routes").output().contains("10.0.0.2 -> 10.98.0.11"), "n4 mapped again");
        eventually(() -> nodeDnatTable("h2").output().contains(N4_DNAT), "n4 mapped again in h2's nftables table");
    }

    @Test
    @Order(7)
    void nodePublicIpIsFlanneldsPublicIpAndChoosesTheInterface() throws Exception {
        // h6's node names the address to use (node-public-ip, which flanneld reads as -public-ip): a second address
        // of its eth0; without -iface, weft finds the interface by that address, as flanneld does
        Netns h6 = lab.addHost("h6", 6);
        h6.ip("addr", "add", "10.98.0.26/24", "dev", "eth0");
        ObjectNode n = nodeObject("h6", "10.244.6.0/24", "10.98.0.6");
        ((ObjectNode) n.get("metadata")).putObject("annotations").put(P + "node-public-ip", "10.98.0.26");
        kube("POST", "/api/v1/nodes", "application/json", n.toString());
        AgentProcess weft = startWithoutIface("h6", "weft.log");
        weft.awaitOutput("weft is up", 90);
        assertThat(flannelAnnotations("h6")).containsEntry(P + "public-ip", "10.98.0.26");
        assertThat(JSON.readTree(weftCli("h6", "stats", "--json").output()).path("underlay").asText())
                .isEqualTo("eth0 10.98.0.26");
        eventually(() -> weftCli("h1", "fdb", "show").output().contains("dst 10.98.0.26 "), "h1 sends to h6 there");
        weft.stop(30);

        // an address this host does not have (and no default route to fall back on): one line, and no start
        kube("PATCH", "/api/v1/nodes/h6", "application/merge-patch+json",
                "{\"metadata\":{\"annotations\":{\"" + P + "node-public-ip\":\"203.0.113.66\"}}}");
        AgentProcess refused = startWithoutIface("h6", "weft-refused.log");
        assertThat(refused.awaitExit(90)).isNotZero();
        assertThat(refused.output()).contains("weft: annotation " + P + "node-public-ip 203.0.113.66 is not an address"
                + " of this host");
    }

    // ---- helpers ----

    /** weft run -kube-subnet-mgr on {@code host} with NODE_NAME and no interface flags. */
    private AgentProcess startWithoutIface(String host, String log) throws Exception {
        Path d = lab.hostDir(host);
        AgentProcess a = AgentProcess.start(lab.host(host), d.resolve(log), Map.of("NODE_NAME", host), List.of(),
                "run", "-kube-subnet-mgr", "-kube-api-url", API, "-net-config-path", lab.dir.resolve("net-conf.json")
                        .toString(), "-subnet-file", d.resolve("subnet.env").toString(), "--run-dir",
                d.resolve("run").toString(), "--workers", "1");
        lab.track(a.process);
        return a;
    }

    /** weft's nftables table of --node-ip-dnat on that host, as nft lists it. */
    private Cmd.Result nodeDnatTable(String host) {
        return lab.host(host).exec(10, "nft", "list", "table", "ip", "weft-node-dnat");
    }

    /** A node as the controller-manager and kubelet leave it: a podCIDR, an InternalIP, the Ready condition. */
    private static ObjectNode nodeObject(String name, String podCidr, String internalIp) {
        return MockKubeRequests.node(name, internalIp, podCidr);
    }

    private static String node(String name, String podCidr, String internalIp) {
        return nodeObject(name, podCidr, internalIp).toString();
    }

    /** A node some flanneld annotated (no agent runs for it in the lab). */
    private static String annotatedNode(String name, String podCidr, String internalIp, String publicIp, String mac) {
        ObjectNode n = nodeObject(name, podCidr, internalIp);
        ((ObjectNode) n.get("metadata")).putObject("annotations").put(P + "backend-type", "vxlan")
                .put(P + "kube-subnet-manager", "true").put(P + "public-ip", publicIp)
                .put(P + "backend-data", "{\"VNI\":1,\"VtepMAC\":\"" + mac + "\"}");
        return n.toString();
    }

    /** An API request from the switch namespace (where the API server listens); returns the body. */
    private String kube(String method, String path, String contentType, String body) {
        return MockKubeRequests.request(lab.sw, API, method, path, contentType, body);
    }

    private Map<String, String> flannelAnnotations(String node) {
        try {
            JsonNode a = JSON.readTree(kube("GET", "/api/v1/nodes/" + node, null, null)).at("/metadata/annotations");
            Map<String, String> out = new TreeMap<>();
            a.fields().forEachRemaining(e -> {
                if (e.getKey().startsWith(P) && !e.getKey().endsWith("-overwrite")) {
                    out.put(e.getKey(), e.getValue().asText());
                }
            });
            return out;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private String flannelMac(String node) throws Exception {
        return JSON.readTree(flannelAnnotations(node).get(P + "backend-data")).path("VtepMAC").asText();
    }

    private Cmd.Result weftCli(String host, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", AgentLab.JAR.toString()));
        cmd.addAll(List.of(args));
        try {
            cmd.addAll(List.of("--run-dir", lab.hostDir(host).resolve("run").toString()));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return Cmd.run(60, lab.host(host).wrap(cmd)).requireOk();
    }

    private void assertPing(int from, int to, boolean reachable) {
        Cmd.Result r = lab.pod(NODES[from]).exec(20, "ping", "-c", "2", "-i", "0.2", "-W", "2", podIps[to]);
        assertThat(r.ok()).as("ping from %s's pod to %s's pod %s (expected %s):%n%s", NODES[from], NODES[to], podIps[to],
                reachable ? "reply" : "none", r.output()).isEqualTo(reachable);
    }

    private void assertTcp(int from, int to) {
        String line = "weft-" + NODES[from] + "-to-" + NODES[to];
        Cmd.Result r = lab.pod(NODES[from]).exec(20, "sh", "-c",
                "echo " + line + " | timeout 10 socat -t 3 - TCP:" + podIps[to] + ":5001,connect-timeout=5");
        assertThat(r.output()).as("TCP echo from %s's pod to %s's pod: %s", NODES[from], NODES[to], r).contains(line);
    }

    private static void eventually(BooleanSupplier check, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("within 15 s: " + what);
    }
}
