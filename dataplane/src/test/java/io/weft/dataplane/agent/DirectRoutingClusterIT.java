package io.weft.dataplane.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.dataplane.netns.Traffic;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.netns.Switch;
import io.weft.labkit.process.Cmd;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Backend.DirectRouting: true} in a mixed cluster on two underlay segments joined by a router (the switch
 * namespace): w1 (weft) and k1 (flanneld-style kernel host, scripts/lab/mini-flanneld, which routes directly as
 * flanneld does) on 10.98.0.0/24, w2 (weft) and k2 (kernel) on 10.97.0.0/24. Hosts on one segment route to each other's
 * pods directly, without VXLAN; across the router everything goes through the tunnel. Every host has strict reverse-path
 * filtering ({@code rp_filter=1}): a reply that came back through the tunnel to a host that sent directly (or the
 * reverse) is dropped, so TCP between every pod pair shows that both ends of each pair agree on the path. Every veth
 * keeps its default offloads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DirectRoutingClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"DirectRouting\":true}}";
    private static final String[] HOSTS = {"w1", "k1", "w2", "k2"};
    private static final String[] UNDERLAY = {"10.98.0.1", "10.98.0.2", "10.97.0.1", "10.97.0.2"};
    /** Closed after the last test: it kills the agents it tracks before it removes the namespaces. */
    @AutoClose
    AgentLab lab;
    final AgentProcess[] agents = new AgentProcess[HOSTS.length];
    final String[] subnets = new String[HOSTS.length];
    final String[] podIps = new String[HOSTS.length];

    @BeforeAll
    void startCluster() throws Exception {
        lab = new AgentLab("wdp-dr-");
        lab.startEtcd();
        lab.putConfig(CONFIG);
        Switch a = lab.segment();
        Switch b = lab.addRoutedSegment("10.97.0");
        for (int i = 0; i < HOSTS.length; i++) {
            Netns h = lab.addRoutedHost(i < 2 ? a : b, HOSTS[i], i % 2 + 1);
            h.exec(20, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.default.rp_filter=1",
                    "net.ipv4.conf.eth0.rp_filter=1").requireOk();
        }
        for (int i = 0; i < HOSTS.length; i++) {
            if (HOSTS[i].startsWith("w")) {
                agents[i] = lab.startWeft(HOSTS[i]);
            } else {
                lab.startMiniFlanneld(HOSTS[i], lab.hostDir(HOSTS[i]).resolve("subnet.env"));
            }
        }
        for (AgentProcess p : agents) {
            if (p != null) {
                p.awaitOutput("weft is up", 120);
            }
        }
        for (int i = 0; i < HOSTS.length; i++) {
            Path env = lab.hostDir(HOSTS[i]).resolve("subnet.env");
            AgentLab.awaitFile(env, 60);
            String flannelSubnet = AgentLab.subnetEnvValue(env, "FLANNEL_SUBNET");
            subnets[i] = flannelSubnet.substring(0, flannelSubnet.lastIndexOf('.')) + ".0/24";
            podIps[i] = lab.addPod(HOSTS[i], flannelSubnet);
            // the pod end too: a host's forwarded packets are checked on the host, the pod's own on the pod
            lab.pod(HOSTS[i]).exec(20, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1").requireOk();
        }
        // every host has a route for every other subnet: direct ones on the segment, the rest through the tunnel
        for (int i = 0; i < HOSTS.length; i++) {
            for (int j = 0; j < HOSTS.length; j++) {
                if (i != j) {
                    int host = i;
                    int peer = j;
                    await(() -> routeTo(host, peer), "a route on " + HOSTS[i] + " for " + HOSTS[j] + "'s subnet "
                            + subnets[j]);
                }
            }
        }
    }

    /** The host's route for a peer's subnet when it is the right one (direct on one segment, else tunnel), or null. */
    private String routeTo(int host, int peer) {
        String r = lab.host(HOSTS[host]).ip("-4", "route", "show", subnets[peer]).trim();
        if (sameSegment(host, peer)) {
            return r.contains("via " + UNDERLAY[peer] + " dev eth0") ? r : null;
        }
        if (HOSTS[host].startsWith("w")) {
            // weft: no per-peer kernel route; the Network route through the TUN covers the peer
            return r.isEmpty() ? "via the TUN" : null;
        }
        return r.contains("dev flannel.1") ? r : null;
    }

    private static boolean sameSegment(int a, int b) {
        return a / 2 == b / 2;
    }

    @Test
    @Order(1)
    void tcpCarriesBytesIntactBetweenEveryOrderedPodPairUnderStrictRpFilter() throws Exception {
        byte[] data = Traffic.randomBytes(256 * 1024, 87);
        int port = 7600;
        for (int from = 0; from < HOSTS.length; from++) {
            for (int to = 0; to < HOSTS.length; to++) {
                if (from != to) {
                    byte[] got = Traffic.tcpTransfer(lab.pod(HOSTS[from]), lab.pod(HOSTS[to]), podIps[to], port++, data);
                    assertThat(Traffic.sha256(got)).as("TCP from the pod on " + HOSTS[from] + " to the pod on "
                            + HOSTS[to] + diagnostics()).isEqualTo(Traffic.sha256(data));
                }
            }
        }
    }

    @Test
    @Order(2)
    void weftRoutesAndPeersShowWhichPeersAreDirect() {
        for (int w : new int[]{0, 2}) {
            int neighbour = w + 1;
            String routes = lab.weftCli(HOSTS[w], "routes", "--run-dir", runDir(w)).output();
            System.out.println("weft routes on " + HOSTS[w] + ":\n" + routes);
            assertThat(routes).contains(subnets[neighbour] + " via " + UNDERLAY[neighbour] + " dev eth0  (direct)");
            for (int far : new int[]{(w + 2) % 4, (w + 3) % 4}) {
                assertThat(routes).contains(subnets[far] + " via " + subnets[far].replace("/24", "") + " dev weft.1 onlink"
                        + " peer " + UNDERLAY[far] + ":8472  (weft)");
            }
            assertThat(routes.lines().filter(l -> l.endsWith("(direct)")).count()).isEqualTo(1);
            // the kernel has exactly that one, tagged as weft's
            String kernel = lab.host(HOSTS[w]).ip("-4", "route", "show", "proto", "87").trim();
            assertThat(kernel).isEqualTo(subnets[neighbour] + " via " + UNDERLAY[neighbour] + " dev eth0");
            String peers = lab.weftCli(HOSTS[w], "peers", "--run-dir", runDir(w)).output();
            // SUBNET PUBLIC-IP PATH ENDPOINT ...: the neighbour is routed by the kernel, the far peers go through the tunnel
            assertThat(peers).containsPattern(Pattern.quote(subnets[neighbour]) + "\\s+" + Pattern.quote(UNDERLAY[neighbour])
                    + "\\s+direct\\s+" + Pattern.quote(UNDERLAY[neighbour]) + "\\s");
            for (int far : new int[]{(w + 2) % 4, (w + 3) % 4}) {
                assertThat(peers).containsPattern(Pattern.quote(subnets[far]) + "\\s+\\S+\\s+(public|private)\\s");
            }
        }
    }

    /** The kernel carried the segment's traffic: weft encapsulated almost nothing to, and decapsulated almost nothing from, its direct peer. */
    @Test
    @Order(3)
    void nothingIsEncapsulatedBetweenDirectPeers() {
        for (int w : new int[]{0, 2}) {
            int neighbour = w + 1;
            String json = lab.weftCli(HOSTS[w], "peers", "--json", "--run-dir", runDir(w)).output();
            long tx = peerCounter(json, UNDERLAY[neighbour], "txBytes");
            long rx = peerCounter(json, UNDERLAY[neighbour], "rxBytes");
            long farRx = peerCounter(json, UNDERLAY[(w + 2) % 4], "rxBytes");
            // 256 KB crossed the segment each way; a stray probe sent before the route was in is a few hundred bytes
            assertThat(tx).as("bytes encapsulated to the direct peer " + HOSTS[neighbour] + ": " + json).isLessThan(16384);
            assertThat(rx).as("bytes decapsulated from the direct peer " + HOSTS[neighbour] + ": " + json).isLessThan(16384);
            assertThat(farRx).as("bytes from the weft peer behind the router came through the tunnel: " + json)
                    .isGreaterThan(256 * 1024);
        }
    }

    /** The direct route follows the lease: gone when the lease is deleted, back when it is put again. */
    @Test
    @Order(4)
    void aDirectRouteFollowsItsLease() throws Exception {
        String key = "/coreos.com/network/subnets/" + subnets[1].replace('/', '-');
        String value = lab.etcdctl("get", key, "--print-value-only").requireOk().stdout().trim();
        assertThat(value).contains("\"PublicIP\":\"" + UNDERLAY[1] + "\"");
        lab.etcdctl("del", key).requireOk();
        await(() -> lab.host("w1").ip("-4", "route", "show", "proto", "87").isBlank() ? "gone" : null,
                "w1's direct route to k1 removed with k1's lease");
        lab.etcdctl("put", key, value).requireOk();
        await(() -> lab.host("w1").ip("-4", "route", "show", "proto", "87").contains(subnets[1] + " via " + UNDERLAY[1])
                ? "back" : null, "w1's direct route to k1 back with k1's lease");
        byte[] data = Traffic.randomBytes(64 * 1024, 88);
        assertThat(Traffic.sha256(Traffic.tcpTransfer(lab.pod("w1"), lab.pod("k1"), podIps[1], 7700, data)))
                .isEqualTo(Traffic.sha256(data));
    }

    /**
     * A stop keeps the direct routes, as flanneld keeps its routes; a start with DirectRouting turned off in the
     * config removes them.
     */
    @Test
    @Order(5)
    void directRoutesStayOverAStopAndGoWhenDirectRoutingIsTurnedOff() throws Exception {
        agents[0].stop(30);
        assertThat(lab.host("w1").ip("-4", "route", "show", "proto", "87")).contains(subnets[1] + " via " + UNDERLAY[1]);
        lab.putConfig(CONFIG.replace(",\"DirectRouting\":true", ""));
        Path log = lab.hostDir("w1").resolve("weft.log");
        Files.move(log, log.resolveSibling("weft-before-restart.log"));
        agents[0] = lab.startWeft("w1");
        agents[0].awaitOutput("weft is up", 120);
        assertThat(lab.host("w1").ip("-4", "route", "show", "proto", "87")).isBlank();
        assertThat(agents[0].output()).contains("Backend.DirectRouting is off: removed 1 direct route(s) left from when"
                + " it was on: [" + subnets[1] + " via " + UNDERLAY[1] + " dev eth0]");
        String routes = lab.weftCli("w1", "routes", "--run-dir", runDir(0)).output();
        assertThat(routes).doesNotContain("(direct)");
    }

    /** {@code weft cleanup} removes the direct routes with the rest of weft's setup (a stopped agent keeps them). */
    @Test
    @Order(6)
    void cleanupRemovesTheDirectRoutes() throws Exception {
        agents[0].stop(30);
        // as a DirectRouting run leaves it: weft's protocol tag on a route to the neighbour's subnet
        lab.host("w1").ip("-4", "route", "replace", subnets[1], "via", UNDERLAY[1], "dev", "eth0", "proto", "87");
        String out = lab.weftCli("w1", "cleanup", "--force", "--run-dir", runDir(0),
                "-subnet-file", lab.hostDir("w1").resolve("subnet.env").toString()).output();
        assertThat(out).contains("direct route " + subnets[1] + " via " + UNDERLAY[1] + " dev eth0");
        assertThat(lab.host("w1").ip("-4", "route", "show", "proto", "87")).isBlank();
    }

    private String runDir(int i) {
        try {
            return lab.hostDir(HOSTS[i]).resolve("run").toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A counter of the peer with {@code publicIp} in {@code weft peers --json}. */
    static long peerCounter(String json, String publicIp, String counter) {
        try {
            for (JsonNode p : JSON.readTree(json).path("peers")) {
                if (p.path("publicIp").asText().equals(publicIp)) {
                    assertThat(p.has(counter)).as(counter + " of " + publicIp + " in " + json).isTrue();
                    return p.get(counter).asLong();
                }
            }
        } catch (JsonProcessingException e) {
            throw new AssertionError("weft peers --json printed no JSON: " + json, e);
        }
        throw new AssertionError("no peer " + publicIp + " in " + json);
    }

    private static void await(Supplier<String> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (condition.get() == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not appear within 60 s");
            }
            Thread.sleep(250);
        }
    }

    private String diagnostics() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < HOSTS.length; i++) {
            sb.append("\n--- ").append(HOSTS[i]).append(" routes:\n").append(lab.host(HOSTS[i]).ip("-4", "route"));
            try {
                Path log = lab.hostDir(HOSTS[i]).resolve(agents[i] != null ? "weft.log" : "mini-flanneld.log");
                sb.append("\n--- ").append(HOSTS[i]).append(" log:\n").append(Files.readString(log));
            } catch (IOException ignored) {
                // no log
            }
        }
        return sb.toString();
    }
}
