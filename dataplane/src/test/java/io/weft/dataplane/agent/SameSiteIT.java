package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.dataplane.interop.Frames;
import io.weft.dataplane.netns.Traffic;
import io.weft.labkit.netns.NatGateway;
import io.weft.labkit.netns.NatSite;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two weft hosts in one VPC (a1, a2 behind one site gateway without hairpin NAT, so they reach each other only at
 * their private addresses) and, at other sites behind their own NATs, a weft host b3 (whose private address is the
 * same as a1's, as VPCs built from one template have) and a kernel flanneld-style host k4. Every lease carries the
 * public address (as {@code -public-ip} of a NAT'd host does); weft hosts advertise their private address beside it.
 * The same-site pair must find the private path, everyone else the public one; pods talk over every pair; the flannel
 * lease is unchanged; and a frame from an address no lease advertises is dropped and counted. k4's frames to the site,
 * which the NATs corrupt while k4 keeps its default offloads, are named in weft's journal with flannel's fix for them,
 * and that fix, applied on k4, is all TCP to and from k4's pod needs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SameSiteIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    final String[] hosts = {"a1", "a2", "b3", "k4"};
    final String[] publicIps = new String[hosts.length];
    final String[] podIps = new String[hosts.length];
    final String[] subnets = new String[hosts.length];
    final AgentProcess[] agents = new AgentProcess[3];
    NatSite site;
    @AutoClose
    AgentLab lab;

    @BeforeAll
    void startCluster() throws Exception {
        lab = new AgentLab("wdp-site-");
        lab.startEtcd();
        lab.putConfig("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        site = lab.addSite(1, "a1", "a2");
        NatGateway b3 = lab.addHostBehindNat("b3", 3);
        NatGateway k4 = lab.addHostBehindNat("k4", 4);
        publicIps[0] = site.publicIps().get(0);
        publicIps[1] = site.publicIps().get(1);
        publicIps[2] = b3.publicIp();
        publicIps[3] = k4.publicIp();
        for (int i = 0; i < agents.length; i++) {
            agents[i] = lab.startWeft(hosts[i], "-public-ip", publicIps[i]);
        }
        lab.startMiniFlanneld("k4", lab.hostDir("k4").resolve("subnet.env"), "--public-ip", publicIps[3]);
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

    @Test
    @Order(1)
    void theSameSitePairUsesItsPrivateAddressesAndEveryOtherPairThePublicOnes() throws Exception {
        awaitPath(0, 1, "private", site.privateIps().get(1) + ":8472");
        awaitPath(1, 0, "private", site.privateIps().get(0) + ":8472");
        for (int from = 0; from < agents.length; from++) {
            for (int to = 0; to < hosts.length; to++) {
                if (to != from && !(from < 2 && to < 2)) {
                    String pair = hosts[from] + " -> " + hosts[to];
                    assertThat(peer(from, to).path("path").asText()).as(() -> pair + diagnostics()).isEqualTo("public");
                    assertThat(peer(from, to).path("endpoint").asText()).isEqualTo(publicIps[to] + ":8472");
                }
            }
        }
        assertThat(peer(0, 3).path("weft").asBoolean()).as("k4 is a plain flannel peer").isFalse();
        assertThat(peer(0, 1).path("weft").asBoolean()).isTrue();
        // Each switch is logged once.
        String line = "path public " + publicIps[1] + ":8472 -> private " + site.privateIps().get(1) + ":8472";
        assertThat(agents[0].output().split(java.util.regex.Pattern.quote(line), -1)).hasSize(2);
        String human = weft(0, "peers");
        assertThat(human).contains("PATH").contains("ENDPOINT").contains("private " + site.privateIps().get(1) + ":8472");
        System.out.println("weft peers on a1:\n" + human);
    }

    /**
     * k4 is a kernel flannel host at its default offloads whose frames are NATed in the kernel that sent them (its
     * gateway shares the machine, as in any container or namespace lab): the NAT adjusts the outer UDP checksum as if it
     * were the partial one, and once the site's bridge completes the inner TCP checksum, the site hosts' kernels drop
     * the frame for its bad outer checksum, before any socket sees it. A kernel host in a2's place drops them the same
     * way; ping survives (ICMP is never partial), TCP does not. weft cannot receive what its kernel drops, so it says
     * what happened and what to do on k4, which is flannel's own advice for kernel hosts behind NAT.
     */
    @Test
    @Order(2)
    void aKernelPeerWhoseFramesTheNatCorruptsIsNamedWithTheFix() throws Exception {
        long before = udpChecksumErrors(0);
        int port = 7599;
        Process listener = lab.pod("k4").processBuilder("socat", "-u", "TCP-LISTEN:" + port + ",reuseaddr", "OPEN:/dev/null")
                .redirectErrorStream(true).start();
        try {
            Traffic.awaitTcpListener(lab.pod("k4"), port);
            // k4's SYN-ACKs (partial inner checksum, so corrupted outer) are what a1's kernel drops
            lab.pod("a1").exec(20, "socat", "-u", "OPEN:/dev/null", "TCP:" + podIps[3] + ":" + port + ",connect-timeout=3");
        } finally {
            Cmd.kill(listener);
        }
        assertThat(udpChecksumErrors(0)).as("UDP checksum drops in a1's kernel").isGreaterThan(before);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4 * ChecksumErrorWatch.PERIOD_SECONDS);
        while (System.nanoTime() < deadline && !agents[0].output().contains("with a bad UDP checksum")) {
            Thread.sleep(200);
        }
        assertThat(agents[0].output()).as("a1's journal").contains("UDP datagram(s) with a bad UDP checksum since weft started")
                .contains("kernel flannel host whose traffic is NATed")
                .contains("ethtool -K flannel.1 tx-checksum-ip-generic off");
        // What the line says to do, done on the kernel host; the next test carries TCP between every pair.
        lab.host("k4").exec(20, "ethtool", "-K", "flannel.1", "tx-checksum-ip-generic", "off").requireOk();
    }

    @Test
    @Order(3)
    void pingAndTcpWorkBetweenEveryOrderedPodPair() throws Exception {
        byte[] data = Traffic.randomBytes(256 * 1024, 15);
        int port = 7600;
        for (int from = 0; from < hosts.length; from++) {
            for (int to = 0; to < hosts.length; to++) {
                if (from == to) {
                    continue;
                }
                String pair = hosts[from] + " -> " + hosts[to];
                Cmd.Result ping = lab.pod(hosts[from]).exec(20, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", podIps[to]);
                // The diagnostics (six weft commands) are gathered only for a failure's message.
                assertThat(ping.ok()).as(() -> "ping " + pair + ":\n" + ping.output() + diagnostics()).isTrue();
                byte[] got = Traffic.tcpTransfer(lab.pod(hosts[from]), lab.pod(hosts[to]), podIps[to], port++, data);
                assertThat(Traffic.sha256(got)).as(() -> "TCP " + pair + diagnostics()).isEqualTo(Traffic.sha256(data));
            }
        }
        // The same-site pair's frames crossed the site's private bridge, not its gateway's NAT.
        assertThat(peer(0, 1).path("path").asText()).isEqualTo("private");
        assertThat(peer(0, 1).path("rxPackets").asLong()).isPositive();
    }

    @Test
    @Order(4)
    void theFlannelLeaseIsAsFlanneldWritesItAndTheAdvertSitsBesideIt() {
        String key = subnets[0].replace("/", "-").replaceFirst("\\.1-", ".0-");
        String lease = lab.etcdctl("get", "--print-value-only", "/coreos.com/network/subnets/" + key).requireOk().stdout();
        assertThat(lease).startsWith("{\"PublicIP\":\"" + publicIps[0] + "\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","
                + "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"").doesNotContain(site.privateIps().get(0));
        String advert = lab.etcdctl("get", "--print-value-only", "/coreos.com/network/weft/" + key).requireOk().stdout();
        assertThat(advert.trim()).isEqualTo("{\"Version\":1,\"PrivateIP\":\"" + site.privateIps().get(0) + "\",\"TcpPort\":8472}");
        // What flanneld lists holds leases only.
        String listed = lab.etcdctl("get", "--prefix", "--keys-only", "/coreos.com/network/subnets").requireOk().stdout();
        assertThat(listed).doesNotContain("/weft/");
    }

    @Test
    @Order(5)
    void aFrameFromAnAddressNoLeaseAdvertisesDeliversNothingAndIsCounted() throws Exception {
        JsonNode stats = JSON.readTree(weft(0, "stats", "--json"));
        long before = stats.path("drops").path("unknown_sender").asLong();
        String a1Mac = stats.path("vtepMac").asText();
        // From the site gateway (10.0.0.1, on a1's private network but in no lease), with an inner source in a2's subnet.
        String a2Src = podIps[1];
        // Count exactly the forged echo requests (28 bytes, from a2's pod to a1's pod) that reach a1's pod; the pod's
        // rx_packets would also count any other packet that happens to arrive meanwhile.
        lab.pod(hosts[0]).exec(10, "iptables", "-t", "raw", "-A", "PREROUTING", "-s", a2Src, "-d", podIps[0],
                "-p", "icmp", "--icmp-type", "echo-request", "-m", "length", "--length", "28").requireOk();
        for (int i = 0; i < 5; i++) {
            Traffic.sendDatagram(site.gateway(), site.privateIps().get(0), 8472,
                    Frames.ipv4(0x08000000, 1, 0, a1Mac, "02:00:00:00:00:99", a2Src, podIps[0]), null);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long after = before;
        while (System.nanoTime() < deadline && after < before + 5) {
            after = JSON.readTree(weft(0, "stats", "--json")).path("drops").path("unknown_sender").asLong();
            Thread.sleep(200);
        }
        assertThat(after - before).as("unknown_sender drops at a1").isGreaterThanOrEqualTo(5);
        assertThat(forgedPacketsAtPod(0)).as("forged packets that reached a1's pod").isZero();
        // The same frame from a2's host, which a2's advert names, is delivered and counted: the rule does match.
        Traffic.sendDatagram(lab.host(hosts[1]), site.privateIps().get(0), 8472,
                Frames.ipv4(0x08000000, 1, 0, a1Mac, "02:00:00:00:00:99", a2Src, podIps[0]), site.privateIps().get(1));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && forgedPacketsAtPod(0) == 0) {
            Thread.sleep(200);
        }
        assertThat(forgedPacketsAtPod(0)).as("the frame from a2 that reached a1's pod").isEqualTo(1);
    }

    /** The packet count of the one rule in host {@code host}'s pod's raw PREROUTING chain. */
    private long forgedPacketsAtPod(int host) {
        String listing = lab.pod(hosts[host]).exec(10, "iptables", "-t", "raw", "-L", "PREROUTING", "-n", "-v", "-x")
                .requireOk().stdout();
        String[] lines = listing.strip().split("\n");
        assertThat(lines).as(listing).hasSize(3);
        return Long.parseLong(lines[2].trim().split("\\s+")[0]);
    }

    /** Udp InCsumErrors in host {@code host}'s kernel. */
    private long udpChecksumErrors(int host) {
        String snmp = lab.host(hosts[host]).exec(10, "cat", "/proc/net/snmp").requireOk().stdout();
        return UdpChecksumErrors.parse(snmp).orElseThrow();
    }

    /** Waits (bounded) until agent {@code from} sends to host {@code to} on {@code path} at {@code endpoint}. */
    private void awaitPath(int from, int to, String path, String endpoint) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode p = null;
        while (System.nanoTime() < deadline) {
            p = peer(from, to);
            if (path.equals(p.path("path").asText()) && endpoint.equals(p.path("endpoint").asText())) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError(hosts[from] + " -> " + hosts[to] + " is not on " + path + " " + endpoint + ": " + p
                + diagnostics());
    }

    private JsonNode peer(int from, int to) throws Exception {
        JsonNode all = JSON.readTree(weft(from, "peers", "--json"));
        for (JsonNode p : all.path("peers")) {
            if (p.path("subnet").asText().equals(subnets[to].replaceFirst("\\.1/", ".0/"))) {
                return p;
            }
        }
        throw new AssertionError("no peer " + subnets[to] + " at " + hosts[from] + ": " + all);
    }

    private String weft(int host, String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", AgentLab.JAR.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--run-dir", lab.hostDir(hosts[host]).resolve("run").toString()));
        Netns ns = lab.host(hosts[host]);
        return Cmd.run(60, ns.wrap(cmd)).requireOk().stdout();
    }

    private String diagnostics() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < agents.length; i++) {
            sb.append("\n--- ").append(hosts[i]).append(" log:\n").append(agents[i].output());
            try {
                sb.append("\n--- ").append(hosts[i]).append(" stats: ").append(weft(i, "stats", "--json"))
                        .append("\n--- ").append(hosts[i]).append(" peers: ").append(weft(i, "peers", "--json"));
            } catch (IOException | RuntimeException e) {
                sb.append("\n(no stats from ").append(hosts[i]).append(": ").append(e).append(')');
            }
        }
        try {
            sb.append("\n--- k4 mini-flanneld:\n").append(Files.readString(lab.hostDir("k4").resolve("mini-flanneld.log")));
        } catch (IOException ignored) {
            // no log
        }
        return sb.toString();
    }
}
