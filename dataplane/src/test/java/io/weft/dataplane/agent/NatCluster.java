package io.weft.dataplane.agent;

import io.weft.dataplane.netns.Traffic;
import io.weft.labkit.netns.NatGateway;
import io.weft.labkit.netns.Netns;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hosts in different "clouds": each behind its own 1:1 NAT gateway ({@link NatGateway}), all with the same private
 * address, reachable from each other only through their public addresses. h1 is weft with {@code -public-ip}; h2 is
 * weft with {@code --public-ip-from} an ip.sb-like service on the switch (it sees h2's NAT address); k3 is a kernel
 * VXLAN host set up as flanneld sets up a node whose public IP is overwritten (device local = private address, lease
 * PublicIP = NAT address), and so is k4. Every veth keeps its default offloads, as in a container lab, so the kernel
 * hosts send inner TCP/UDP checksums partial (issue 20). Subclasses pick the VXLAN port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class NatCluster {
    static final int WHATS_MY_IP_PORT = 8080;
    static final String WHATS_MY_IP_URL = "http://" + AgentLab.ETCD_IP + ":" + WHATS_MY_IP_PORT + "/";
    /** Answers GET with the client's address as plain text, as ip.sb does for curl. */
    private static final String WHATS_MY_IP = String.join("\n",
            "import http.server as h",
            "class H(h.BaseHTTPRequestHandler):",
            "    def do_GET(self):",
            "        b = (self.client_address[0] + '\\n').encode()",
            "        self.send_response(200)",
            "        self.send_header('Content-Type', 'text/plain')",
            "        self.send_header('Content-Length', str(len(b)))",
            "        self.end_headers()",
            "        self.wfile.write(b)",
            "h.HTTPServer(('" + AgentLab.ETCD_IP + "', " + WHATS_MY_IP_PORT + "), H).serve_forever()");

    final String[] hosts = {"h1", "h2", "k3", "k4"};
    final NatGateway[] gateways = new NatGateway[hosts.length];
    final AgentProcess[] agents = new AgentProcess[2];
    final String[] podIps = new String[hosts.length];
    /** Closed after the last test: it kills the agents it tracks before it removes the namespaces. */
    @AutoClose
    AgentLab lab;

    /** Backend.Port, or 0 for the default (8472). */
    abstract int port();

    int effectivePort() {
        return port() == 0 ? 8472 : port();
    }

    @BeforeAll
    void startCluster() throws Exception {
        lab = new AgentLab("wdp-nat-");
        lab.startEtcd();
        lab.putConfig("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\""
                + (port() == 0 ? "" : ",\"Port\":" + port()) + "}}");
        Process ipService = new ProcessBuilder(lab.sw.wrap(List.of("python3", "-c", WHATS_MY_IP)))
                .redirectErrorStream(true).redirectOutput(lab.dir.resolve("whatsmyip.log").toFile()).start();
        lab.track(ipService);
        for (int i = 0; i < hosts.length; i++) {
            gateways[i] = lab.addHostBehindNat(hosts[i], i + 1);
        }
        Traffic.awaitTcpListener(lab.sw, WHATS_MY_IP_PORT);
        agents[0] = lab.startWeft("h1", "-public-ip", gateways[0].publicIp());
        agents[1] = lab.startWeft("h2", "--public-ip-from=" + WHATS_MY_IP_URL);
        for (int k = 2; k < hosts.length; k++) {
            lab.startMiniFlanneld(hosts[k], lab.hostDir(hosts[k]).resolve("subnet.env"), "--public-ip", gateways[k].publicIp());
        }
        for (AgentProcess a : agents) {
            a.awaitOutput("weft is up", 120);
        }
        for (int i = 0; i < hosts.length; i++) {
            Path env = lab.hostDir(hosts[i]).resolve("subnet.env");
            AgentLab.awaitFile(env, 30);
            podIps[i] = lab.addPod(hosts[i], AgentLab.subnetEnvValue(env, "FLANNEL_SUBNET"));
        }
    }

    @Test
    @Order(1)
    void everyPodReachesEveryOtherPodThroughTheNats() {
        for (int from = 0; from < hosts.length; from++) {
            for (int to = 0; to < hosts.length; to++) {
                if (from != to) {
                    Netns pod = lab.pod(hosts[from]);
                    Cmd.Result r = pod.exec(20, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", podIps[to]);
                    assertThat(r.ok()).as("ping from the pod on " + hosts[from] + " to " + podIps[to] + " on " + hosts[to]
                            + ":\n" + r.output() + diagnostics()).isTrue();
                }
            }
        }
        // the nat table sees the first packet of each flow: the tunnel traffic did come in through each NAT
        for (int i = 0; i < hosts.length; i++) {
            assertThat(gateways[i].dnatPackets()).as("packets DNATed to " + hosts[i]).isPositive();
        }
    }

    /**
     * TCP from every pod to every other (weft to weft, weft to kernel, kernel to weft, kernel to kernel), each byte
     * arriving intact, with every veth at its default offloads: the kernel hosts' partial checksums are taken by the
     * weft hosts (counted in rx_partial_csum), not dropped.
     */
    @Test
    @Order(2)
    void tcpCarriesBytesIntactBetweenEveryOrderedPodPair() throws Exception {
        byte[] data = Traffic.randomBytes(256 * 1024, effectivePort());
        int port = 7400;
        for (int from = 0; from < hosts.length; from++) {
            for (int to = 0; to < hosts.length; to++) {
                if (from != to) {
                    byte[] got = Traffic.tcpTransfer(lab.pod(hosts[from]), lab.pod(hosts[to]), podIps[to], port++, data);
                    assertThat(Traffic.sha256(got)).as("TCP from the pod on " + hosts[from] + " to the pod on " + hosts[to]
                            + diagnostics()).isEqualTo(Traffic.sha256(data));
                }
            }
        }
        for (int i = 0; i < agents.length; i++) {
            String stats = agentStats(i);
            assertThat(counter(stats, "rx_partial_csum")).as("partial checksums from the kernel hosts, at " + hosts[i]
                    + ": " + stats).isPositive();
            assertThat(counter(stats, "bad_checksum")).as("drops by reason, bad_checksum among them: " + stats).isZero();
        }
    }

    /** {@code weft stats} of agent {@code i}, as one line of JSON. */
    String agentStats(int i) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                AgentLab.JAR.toString(), "stats", "--json", "--run-dir", lab.hostDir(hosts[i]).resolve("run").toString());
        return Cmd.run(60, lab.host(hosts[i]).wrap(cmd)).requireOk().output();
    }

    static long counter(String stats, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\"\\s*:\\s*(\\d+)").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Test
    @Order(3)
    void leasesAdvertiseTheNatAddressesAndTheKernelDeviceKeepsThePrivateOne() throws Exception {
        String leases = lab.etcdctl("get", "--prefix", "/coreos.com/network/subnets", "--print-value-only").requireOk().output();
        for (NatGateway g : gateways) {
            assertThat(leases).contains("\"PublicIP\":\"" + g.publicIp() + "\"");
        }
        assertThat(leases).doesNotContain(NatGateway.PRIVATE_IP);
        assertThat(agents[1].output()).contains("public address " + gateways[1].publicIp() + " (from " + WHATS_MY_IP_URL + ")");
        assertThat(agents[0].output()).contains("advertising PublicIP " + gateways[0].publicIp());
        String dev = lab.host("k3").ip("-d", "link", "show", "flannel.1");
        assertThat(dev).contains("local " + NatGateway.PRIVATE_IP).contains("dstport " + effectivePort());
        String fdb = lab.host("k3").exec(20, "bridge", "fdb", "show", "dev", "flannel.1").requireOk().output();
        assertThat(fdb).contains("dst " + gateways[0].publicIp()).contains("dst " + gateways[1].publicIp());
    }

    @Test
    @Order(4)
    void probesThroughTheNatsFindEveryPeerReachable() throws Exception {
        for (int i = 0; i < 2; i++) {
            Path run = lab.hostDir(hosts[i]).resolve("run");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", AgentLab.JAR.toString(), "peers", "--run-dir", run.toString()));
            String out = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                out = Cmd.run(60, lab.host(hosts[i]).wrap(cmd)).requireOk().output();
                if (out.split(" reachable ", -1).length == hosts.length) {
                    break;
                }
                Thread.sleep(1000);
            }
            assertThat(out).as("weft peers on " + hosts[i]).contains("REACH");
            assertThat(out.split(" reachable ", -1)).as("every peer of " + hosts[i] + " reachable:\n" + out).hasSize(hosts.length);
            assertThat(out).doesNotContain("unreachable");
            System.out.println("weft peers on " + hosts[i] + ":\n" + out);
        }
        System.out.println(agents[1].output());
    }

    String diagnostics() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            sb.append("\n--- ").append(hosts[i]).append(" log:\n").append(agents[i].output());
        }
        for (int k = 2; k < hosts.length; k++) {
            try {
                sb.append("\n--- ").append(hosts[k]).append(" mini-flanneld:\n")
                        .append(Files.readString(lab.hostDir(hosts[k]).resolve("mini-flanneld.log")));
            } catch (IOException ignored) {
                // no log
            }
        }
        return sb.toString();
    }
}
