package io.weft.dataplane.agent;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real {@code weft.jar} as a flanneld replacement: three weft hosts and one flanneld-style kernel-VXLAN host
 * (scripts/lab/mini-flanneld) on one etcd, each with a pod behind it. The tests run in order on one cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentClusterIT {
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    /** Closed after the last test: it kills the agents it tracks before it removes the namespaces. */
    @AutoClose
    private AgentLab lab;
    private final String[] hosts = {"h1", "h2", "h3"};
    private final AgentProcess[] agents = new AgentProcess[3];
    private final String[] podIps = new String[4];
    private final String[] subnets = new String[4];

    @BeforeAll
    void startCluster() throws Exception {
        lab = new AgentLab("wdp-ag-");
        lab.startEtcd();
        lab.putConfig(CONFIG);
        for (int i = 0; i < 4; i++) {
            lab.addHost(i < 3 ? hosts[i] : "k4", i + 1);
        }
        // h1: flanneld's single-dash flags; h2: FLANNELD_* environment variables; h3: double-dash flags.
        agents[0] = startH1();
        Path h2 = lab.hostDir("h2");
        agents[1] = AgentProcess.start(lab.host("h2"), h2.resolve("weft.log"), Map.of(
                "FLANNELD_ETCD_ENDPOINTS", AgentLab.ETCD_URL,
                "FLANNELD_IFACE", "eth0",
                "FLANNELD_SUBNET_FILE", h2.resolve("subnet.env").toString(),
                "FLANNELD_IP_MASQ", "true",
                "WEFT_RUN_DIR", h2.resolve("run").toString(),
                "WEFT_WORKERS", "1"), List.of(), "run");
        lab.track(agents[1].process);
        Path h3 = lab.hostDir("h3");
        agents[2] = AgentProcess.start(lab.host("h3"), h3.resolve("weft.log"), "run",
                "--etcd-endpoints=" + AgentLab.ETCD_URL, "--iface=10.98.0.3",
                "--subnet-file=" + h3.resolve("subnet.env"), "--run-dir=" + h3.resolve("run"), "--workers=1");
        lab.track(agents[2].process);
        Path k4 = lab.hostDir("k4");
        lab.startMiniFlanneld("k4", k4.resolve("subnet.env"));
        for (int i = 0; i < 3; i++) {
            agents[i].awaitOutput("weft is up", 90);
        }
        for (int i = 0; i < 4; i++) {
            String host = i < 3 ? hosts[i] : "k4";
            Path env = lab.hostDir(host).resolve("subnet.env");
            AgentLab.awaitFile(env, 30);
            String flannelSubnet = AgentLab.subnetEnvValue(env, "FLANNEL_SUBNET");
            subnets[i] = flannelSubnet;
            podIps[i] = lab.addPod(host, flannelSubnet);
        }
    }

    private AgentProcess startH1() throws Exception {
        Path h1 = lab.hostDir("h1");
        AgentProcess p = AgentProcess.start(lab.host("h1"), h1.resolve("weft.log"), "run",
                "-etcd-endpoints", AgentLab.ETCD_URL, "-iface", "eth0", "-subnet-file", h1.resolve("subnet.env").toString(),
                "-run-dir", h1.resolve("run").toString(), "-workers", "1", "-healthz-port", "8471", "--metrics-port", "8471",
                "-ip-masq");
        lab.track(p.process);
        return p;
    }

    @Test
    @Order(1)
    void everyPodReachesEveryOtherPod() {
        for (int from = 0; from < 4; from++) {
            for (int to = 0; to < 4; to++) {
                if (from != to) {
                    assertPing(podNs(from), podIps[to], true);
                }
            }
        }
    }

    @Test
    @Order(2)
    void subnetEnvAndLeasesAreWhatFlannelWrites() throws Exception {
        Path env = lab.hostDir("h1").resolve("subnet.env");
        String text = Files.readString(env);
        assertThat(text).matches("FLANNEL_NETWORK=10\\.244\\.0\\.0/16\nFLANNEL_SUBNET=10\\.244\\.\\d+\\.1/24\n"
                + "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
        String leaseKey = "/coreos.com/network/subnets/" + subnets[0].replace(".1/24", ".0-24");
        String value = lab.etcdctl("get", leaseKey, "--print-value-only").requireOk().output().trim();
        assertThat(value).matches("\\{\"PublicIP\":\"10\\.98\\.0\\.1\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","
                + "\"BackendData\":\\{\"VNI\":1,\"VtepMAC\":\"[0-9a-f:]{17}\"}}");
        // flanneld's rule set, with its comments, from -ip-masq (h1) and FLANNELD_IP_MASQ (h2)
        for (String h : List.of("h1", "h2")) {
            String nat = lab.host(h).exec(20, "iptables", "-t", "nat", "-S", "FLANNEL-POSTRTG").requireOk().output();
            assertThat(nat).contains("-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment \"flanneld masq\" -j RETURN");
            assertThat(nat).contains("MASQUERADE");
        }
        assertThat(lab.host("h3").exec(20, "iptables", "-t", "nat", "-S", "FLANNEL-POSTRTG").ok()).isFalse();
        String fwd = lab.host("h3").exec(20, "iptables", "-S", "FLANNEL-FWD").requireOk().output();
        assertThat(fwd).contains("-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT");
        // flanneld's /healthz and /readyz
        Cmd.Result ready = lab.host("h1").exec(20, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "http://127.0.0.1:8471/readyz");
        assertThat(ready.output()).isEqualTo("200");
    }

    @Test
    @Order(3)
    void theControlSocketShowsTheTables() throws Exception {
        Path run = lab.hostDir("h1").resolve("run");
        Cmd.Result fdb = weftCli("h1", "fdb", "show", "--run-dir", run.toString());
        assertThat(fdb.output()).contains("dst 10.98.0.2 port 8472 self permanent")
                .contains("dst 10.98.0.3 port 8472").contains("dst 10.98.0.4 port 8472");
        Cmd.Result peers = weftCli("h1", "peers", "--run-dir", run.toString());
        assertThat(peers.output()).contains("SUBNET").contains("10.98.0.4");
        Cmd.Result neigh = weftCli("h1", "neigh", "show", "--json", "--run-dir", run.toString());
        assertThat(neigh.output()).contains("\"lladdr\"").contains("PERMANENT");
        Cmd.Result stats = weftCli("h1", "stats", "--run-dir", run.toString());
        assertThat(stats.output()).contains("drops:").contains("wrong_vni").contains("tx_packets")
                .contains("offloads:").containsPattern("mode +offloads").containsPattern("tun_tso +on");
        Cmd.Result routes = weftCli("h1", "routes", "--run-dir", run.toString());
        assertThat(routes.output()).contains("10.244.0.0/16 dev weft.1 src " + subnets[0].replace(".1/24", ".0"))
                .contains(subnets[1].replace(".1/24", ".0/24") + " via " + subnets[1].replace(".1/24", ".0"));
    }

    @Test
    @Order(3)
    void prometheusMetricsCoverPeersDropsLeaseWatchAndTable() {
        String metrics = lab.host("h1").exec(20, "curl", "-s", "http://127.0.0.1:8471/metrics").requireOk().output();
        assertThat(metrics).contains("weft_peer_packets_total{direction=\"tx\",peer=\"10.98.0.2\"")
                .contains("weft_peer_bytes_total{direction=\"rx\"")
                .contains("weft_drops_total{reason=\"wrong_vni\"}")
                .contains("weft_lease_expiry_timestamp_seconds ")
                .contains("weft_watch_revision ")
                .contains("weft_table_peers 3");
    }

    @Test
    @Order(3)
    void theBuildsVersionIsTheLogsFirstLineAndInStatsAndMetrics() throws Exception {
        String version = io.weft.dataplane.BuildVersion.version();
        assertThat(version).startsWith("0.").doesNotContain("${");
        assertThat(Files.readAllLines(lab.hostDir("h1").resolve("weft.log")).get(0))
                .endsWith("weft " + version + " starting");
        Path run = lab.hostDir("h1").resolve("run");
        assertThat(weftCli("h1", "stats", "--run-dir", run.toString()).output()).containsPattern("version +\\Q" + version + "\\E");
        assertThat(weftCli("h1", "stats", "--json", "--run-dir", run.toString()).output())
                .contains("\"version\" : \"" + version + "\"");
        assertThat(lab.host("h1").exec(20, "curl", "-s", "http://127.0.0.1:8471/metrics").requireOk().output())
                .contains("weft_build_info{version=\"" + version + "\"} 1");
    }

    @Test
    @Order(4)
    void aStopLeavesTheHostSetupForTheNextRunAndCleanupRemovesIt() throws Exception {
        Netns h1 = lab.host("h1");
        assertThat(h1.ip("-o", "link", "show")).contains("weft.1");
        int code = agents[0].stop(30);
        assertThat(code).as("exit code after SIGTERM; output:\n" + agents[0].output()).isIn(0, 143);
        // as flanneld leaves flannel.1: the device, its route and the rules stay, and so does the lease
        assertThat(h1.ip("-o", "link", "show")).contains("weft.1");
        assertThat(h1.ip("route", "show")).contains("10.244.0.0/16 dev weft.1");
        assertThat(h1.exec(20, "iptables", "-t", "nat", "-S", "POSTROUTING").output()).contains("FLANNEL-POSTRTG");
        assertThat(h1.exec(20, "iptables", "-S", "FORWARD").output()).contains("FLANNEL-FWD");
        String leaseKey = "/coreos.com/network/subnets/" + subnets[0].replace(".1/24", ".0-24");
        assertThat(lab.etcdctl("get", leaseKey, "--print-value-only").requireOk().output()).contains("10.98.0.1");
        assertPing(podNs(1), podIps[0], false);

        Path run = lab.hostDir("h1").resolve("run");
        Cmd.Result cleanup = weftCli("h1", "cleanup", "--run-dir", run.toString());
        assertThat(cleanup.output()).contains("removed TUN device weft.1").contains("removed run dir " + run);
        assertThat(h1.ip("-o", "link", "show")).doesNotContain("weft.1");
        assertThat(h1.ip("route", "show")).doesNotContain("10.244.0.0/16");
        assertThat(h1.exec(20, "iptables", "-t", "nat", "-S", "POSTROUTING").output()).doesNotContain("FLANNEL-POSTRTG");
        assertThat(h1.exec(20, "iptables", "-S", "FORWARD").output()).doesNotContain("FLANNEL-FWD");
        assertThat(lab.etcdctl("get", leaseKey, "--print-value-only").requireOk().output()).contains("10.98.0.1");
    }

    @Test
    @Order(5)
    void aRestartedHostGetsTheSameSubnetAndTrafficFlowsAgain() throws Exception {
        agents[0] = startH1();
        agents[0].awaitOutput("weft is up", 90);
        assertThat(AgentLab.subnetEnvValue(lab.hostDir("h1").resolve("subnet.env"), "FLANNEL_SUBNET")).isEqualTo(subnets[0]);
        for (int other = 1; other < 4; other++) {
            assertPing(podNs(0), podIps[other], true);
            assertPing(podNs(other), podIps[0], true);
        }
    }

    @Test
    @Order(6)
    void deletingAPeersLeaseStopsTrafficToItWithinSeconds() throws Exception {
        // k4 plays flanneld, which (unlike weft) does not take a deleted lease back.
        String key = "/coreos.com/network/subnets/" + subnets[3].replace(".1/24", ".0-24");
        assertPing(podNs(0), podIps[3], true);
        lab.etcdctl("del", key).requireOk();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean gone = false;
        while (!gone && System.nanoTime() < deadline) {
            gone = !lab.pod("h1").exec(10, "ping", "-c", "1", "-W", "1", podIps[3]).ok();
        }
        assertThat(gone).as("traffic to the removed peer stopped").isTrue();
        Cmd.Result fdb = weftCli("h1", "fdb", "show", "--run-dir", lab.hostDir("h1").resolve("run").toString());
        assertThat(fdb.output()).doesNotContain("10.98.0.4").contains("10.98.0.2");
    }

    private Cmd.Result weftCli(String host, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", AgentLab.JAR.toString()));
        cmd.addAll(List.of(args));
        return Cmd.run(60, lab.host(host).wrap(cmd)).requireOk();
    }

    private Netns podNs(int i) {
        return lab.pod(i < 3 ? hosts[i] : "k4");
    }

    private static void assertPing(Netns from, String to, boolean reachable) {
        Cmd.Result r = from.exec(20, "ping", "-c", "2", "-i", "0.2", "-W", "2", to);
        assertThat(r.ok()).as("ping from " + from.name() + " to " + to + " (expected " + (reachable ? "reply" : "none")
                + "):\n" + r.output()).isEqualTo(reachable);
    }
}
