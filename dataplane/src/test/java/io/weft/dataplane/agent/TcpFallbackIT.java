package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.dataplane.interop.Frames;
import io.weft.dataplane.netns.Traffic;
import io.weft.labkit.netns.NatGateway;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;
import org.junit.jupiter.api.AfterAll;
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
 * The TCP fallback, each host behind its own 1:1 NAT gateway: weft hosts h1 and h2, and a kernel flanneld-style host
 * k3. Then h2's gateway drops all UDP to h2 (as a provider that drops UDP between hosts): h1 and h2 move to TCP
 * within a few probe intervals, ping and TCP between their pods work (every byte intact), k3 cannot reach h2 and
 * {@code weft doctor} on h2 says why; a TCP sender in no lease is refused, delivers nothing and is counted; and when
 * the rule is removed both return to UDP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TcpFallbackIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] DROP_UDP = {"FORWARD", "-d", NatGateway.PRIVATE_IP, "-p", "udp", "-j", "DROP"};
    final String[] hosts = {"h1", "h2", "k3"};
    final NatGateway[] gateways = new NatGateway[hosts.length];
    final AgentProcess[] agents = new AgentProcess[2];
    final String[] podIps = new String[hosts.length];
    final String[] subnets = new String[hosts.length];
    boolean udpDropped;
    @AutoClose
    AgentLab lab;

    @BeforeAll
    void startCluster() throws Exception {
        lab = new AgentLab("wdp-tcp-");
        lab.startEtcd();
        lab.putConfig("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        for (int i = 0; i < hosts.length; i++) {
            gateways[i] = lab.addHostBehindNat(hosts[i], i + 1);
        }
        for (int i = 0; i < agents.length; i++) {
            agents[i] = lab.startWeft(hosts[i], "-public-ip", gateways[i].publicIp());
        }
        lab.startMiniFlanneld("k3", lab.hostDir("k3").resolve("subnet.env"), "--public-ip", gateways[2].publicIp());
        for (AgentProcess a : agents) {
            a.awaitOutput("weft is up", 120);
        }
        for (int i = 0; i < hosts.length; i++) {
            Path env = lab.hostDir(hosts[i]).resolve("subnet.env");
            AgentLab.awaitFile(env, 30);
            subnets[i] = AgentLab.subnetEnvValue(env, "FLANNEL_SUBNET");
            podIps[i] = lab.addPod(hosts[i], subnets[i]);
        }
    }

    @AfterAll
    void liftTheRule() {
        if (udpDropped && lab != null) {
            gateways[1].gateway().exec(10, withAction("-D"));
        }
    }

    private static List<String> withAction(String action) {
        List<String> cmd = new ArrayList<>(List.of("iptables", action));
        cmd.addAll(List.of(DROP_UDP));
        return cmd;
    }

    @Test
    @Order(1)
    void withUdpOpenTheWeftPeersUseUdpAndAdvertiseTheirTcpPort() throws Exception {
        awaitPath(0, 1, "public", 60);
        awaitPath(1, 0, "public", 60);
        String advert = lab.etcdctl("get", "--prefix", "--print-value-only", "/coreos.com/network/weft/").requireOk().stdout();
        assertThat(advert).contains("\"TcpPort\":8472");
        // h1 and h2 hold one connection between them, dialled by one side only
        awaitTrue(() -> counter(stats(0), "tcp_connects") + counter(stats(1), "tcp_connects") >= 2, 30,
                "both ends of the h1-h2 TCP connection up");
        assertThat(lab.host("h1").exec(10, "ss", "-tnH", "state", "established")
                .requireOk().stdout().lines().filter(l -> l.contains(":8472")).count()).as("connections at h1").isEqualTo(1);
    }

    @Test
    @Order(2)
    void whenTheGatewayDropsUdpToH2ItsWeftPeerMovesToTcpAndPodsStillTalk() throws Exception {
        gateways[1].gateway().exec(10, withAction("-I")).requireOk();
        udpDropped = true;
        awaitPath(0, 1, "tcp", 60);
        awaitPath(1, 0, "tcp", 60);
        assertThat(peer(0, 1).path("endpoint").asText()).isEqualTo(gateways[1].publicIp() + ":8472");
        // (both UDP candidates are named: h2's private address, which h1 cannot reach, and its public one)
        String line = "path public " + gateways[1].publicIp() + ":8472 -> tcp " + gateways[1].publicIp() + ":8472 (UDP 8472 to "
                + NatGateway.PRIVATE_IP + " or " + gateways[1].publicIp() + " gets no answer; TCP 8472 works)";
        assertThat(agents[0].output()).contains(line);
        assertThat(agents[0].output().split(java.util.regex.Pattern.quote(line), -1)).as("logged once").hasSize(2);
        assertThat(lab.weftCli("h1", "peers", "--run-dir", run(0)).stdout())
                .containsPattern("tcp +" + java.util.regex.Pattern.quote(gateways[1].publicIp() + ":8472"));

        for (int[] pair : new int[][] {{0, 1}, {1, 0}}) {
            Netns from = lab.pod(hosts[pair[0]]);
            Cmd.Result ping = from.exec(20, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", podIps[pair[1]]);
            assertThat(ping.ok()).as("ping " + hosts[pair[0]] + " -> " + hosts[pair[1]] + " over TCP:\n" + ping.output()
                    + diagnostics()).isTrue();
            byte[] data = Traffic.randomBytes(1024 * 1024, pair[0] * 10 + pair[1]);
            byte[] got = Traffic.tcpTransfer(from, lab.pod(hosts[pair[1]]), podIps[pair[1]], 7500 + pair[0], data);
            assertThat(Traffic.sha256(got)).as("TCP " + hosts[pair[0]] + " -> " + hosts[pair[1]] + diagnostics())
                    .isEqualTo(Traffic.sha256(data));
        }
        // the frames went over the TCP connection: nothing was dropped for want of one
        assertThat(counter(stats(0), "drop_tcp_down")).isZero();
        assertThat(peer(1, 0).path("rxPackets").asLong()).isPositive();
    }

    @Test
    @Order(3)
    void theKernelPeerCannotReachH2AndDoctorOnH2SaysWhy() throws Exception {
        Cmd.Result ping = lab.pod("k3").exec(20, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", podIps[1]);
        assertThat(ping.ok()).as("a flanneld peer has no TCP fallback").isFalse();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                AgentLab.JAR.toString(), "doctor", "-etcd-endpoints", AgentLab.ETCD_URL, "-iface", "eth0", "--run-dir", run(1),
                "--cni-dir", lab.hostDir("h2").resolve("cni").toString());
        Cmd.Result doctor = Cmd.run(90, lab.host("h2").wrap(cmd));
        System.out.println("weft doctor on h2 with UDP to it dropped:\n" + doctor.output());
        assertThat(doctor.output()).contains("answers through the tunnel only over TCP")
                .contains("UDP 8472 to " + NatGateway.PRIVATE_IP + " or " + gateways[0].publicIp()
                        + " gets no answer; TCP 8472 works")
                .contains("weft peers reach this host only over their TCP fallback, so UDP 8472 is dropped")
                .contains("at " + gateways[2].publicIp() + ":8472: no answer from its VTEP");
        assertThat(doctor.exitCode()).isEqualTo(1);
    }

    @Test
    @Order(4)
    void aTcpSenderInNoLeaseIsRefusedDeliversNothingAndIsCounted() throws Exception {
        long refusedBefore = counter(stats(0), "drop_tcp_refused");
        long podRxBefore = podRxPackets(0);
        String h1Mac = JSON.readTree(lab.weftCli("h1", "stats", "--json", "--run-dir", run(0)).stdout()).path("vtepMac").asText();
        // From the switch (an address in no lease), a well-formed framed VXLAN frame with an inner source in h2's subnet.
        byte[] frame = Frames.ipv4(0x08000000, 1, 0, h1Mac, "02:00:00:00:00:99", podIps[1], podIps[0]);
        byte[] framed = new byte[frame.length * 2 + 4];
        for (int k = 0; k < 2; k++) {
            int at = k * (frame.length + 2);
            framed[at] = (byte) (frame.length >> 8);
            framed[at + 1] = (byte) frame.length;
            System.arraycopy(frame, 0, framed, at + 2, frame.length);
        }
        Path f = Files.createTempFile("wdp-tcp-spoof", ".bin");
        try {
            Files.write(f, framed);
            for (int i = 0; i < 3; i++) {
                lab.sw.exec(10, "socat", "-u", "OPEN:" + f, "TCP:" + gateways[0].publicIp() + ":8472,connect-timeout=3");
            }
        } finally {
            Files.deleteIfExists(f);
        }
        awaitTrue(() -> counter(stats(0), "drop_tcp_refused") >= refusedBefore + 3, 15, "three refused connections at h1");
        assertThat(podRxPackets(0) - podRxBefore).as("packets that reached h1's pod").isZero();
    }

    @Test
    @Order(5)
    void whenTheRuleIsRemovedBothReturnToUdp() throws Exception {
        gateways[1].gateway().exec(10, withAction("-D")).requireOk();
        udpDropped = false;
        awaitPath(0, 1, "public", 90);
        awaitPath(1, 0, "public", 90);
        assertThat(agents[0].output()).contains("path tcp " + gateways[1].publicIp() + ":8472 -> public "
                + gateways[1].publicIp() + ":8472 (public answered");
        Cmd.Result ping = lab.pod("k3").exec(20, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", podIps[1]);
        assertThat(ping.ok()).as("the kernel peer reaches h2 again:\n" + ping.output()).isTrue();
        byte[] data = Traffic.randomBytes(256 * 1024, 99);
        byte[] got = Traffic.tcpTransfer(lab.pod("h1"), lab.pod("h2"), podIps[1], 7510, data);
        assertThat(Traffic.sha256(got)).isEqualTo(Traffic.sha256(data));
    }

    // ---------------------------------------------------------------- helpers

    private String run(int host) throws IOException {
        return lab.hostDir(hosts[host]).resolve("run").toString();
    }

    private long podRxPackets(int host) {
        return Long.parseLong(lab.pod(hosts[host]).exec(10, "cat", "/sys/class/net/eth0/statistics/rx_packets")
                .requireOk().stdout().trim());
    }

    private String stats(int host) {
        try {
            return lab.weftCli(hosts[host], "stats", "--json", "--run-dir", run(host)).stdout();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long counter(String stats, String key) {
        // `weft stats --json` lists drop_* counters under "drops" without the prefix
        return NatCluster.counter(stats, key.replaceFirst("^drop_", ""));
    }

    private void awaitTrue(java.util.function.BooleanSupplier condition, long seconds, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not within " + seconds + " s: " + what + diagnostics());
    }

    private void awaitPath(int from, int to, String path, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonNode p = null;
        while (System.nanoTime() < deadline) {
            p = peer(from, to);
            if (path.equals(p.path("path").asText())) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError(hosts[from] + " -> " + hosts[to] + " is not on " + path + ": " + p + diagnostics());
    }

    private JsonNode peer(int from, int to) throws Exception {
        JsonNode all = JSON.readTree(lab.weftCli(hosts[from], "peers", "--json", "--run-dir", run(from)).stdout());
        for (JsonNode p : all.path("peers")) {
            if (p.path("subnet").asText().equals(subnets[to].replaceFirst("\\.1/", ".0/"))) {
                return p;
            }
        }
        throw new AssertionError("no peer " + subnets[to] + " at " + hosts[from] + ": " + all);
    }

    private String diagnostics() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < agents.length; i++) {
            sb.append("\n--- ").append(hosts[i]).append(" log:\n").append(agents[i].output());
            try {
                sb.append("\n--- ").append(hosts[i]).append(" stats: ").append(stats(i))
                        .append("\n--- ").append(hosts[i]).append(" peers: ")
                        .append(lab.weftCli(hosts[i], "peers", "--json", "--run-dir", run(i)).stdout());
            } catch (RuntimeException | IOException e) {
                sb.append("\n(no stats from ").append(hosts[i]).append(": ").append(e).append(')');
            }
        }
        return sb.toString();
    }
}
