package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code weft doctor} (the real jar) against conditions created for real in namespaces: a kernel flannel.1 holding
 * the port, a process holding it, a calico config sorting first, ip_forward off, strict rp_filter,
 * bridge-nf-call-iptables off, an MTU too small for Backend.MTU, etcd unreachable, a healthy host with its agent
 * and a reachable peer, and a peer whose UDP port is dropped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DoctorIT {
    private static final String FLANNEL_CNI = "{\"name\":\"cbr0\",\"cniVersion\":\"0.3.1\",\"plugins\":[{\"type\":\"flannel\","
            + "\"delegate\":{\"hairpinMode\":true,\"isDefaultGateway\":true}},{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}]}";
    private static final String CALICO_CNI = "{\"name\":\"k8s-pod-network\",\"cniVersion\":\"0.3.1\",\"plugins\":[{\"type\":\"calico\"}]}";
    private final ObjectMapper json = new ObjectMapper();
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    /** Closed after the last test: it kills the agents it tracks before it removes the namespaces. */
    @AutoClose
    private AgentLab lab;
    private Netns bare;
    private Netns weftHost;
    private Netns kernelPeer;
    private AgentProcess weft;

    @BeforeAll
    void start() throws Exception {
        lab = new AgentLab("wdp-doc-");
        lab.startEtcd();
        lab.putConfig(CONFIG);
        weftHost = lab.addHost("h1", 1);
        kernelPeer = lab.addHost("k2", 2);
        bare = lab.addHost("d3", 3);
        for (Netns ns : List.of(weftHost, kernelPeer, bare)) {
            ns.exec(10, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1", "net.ipv4.conf.all.rp_filter=0").requireOk();
        }
        Path h1 = lab.hostDir("h1");
        Files.createDirectories(h1.resolve("cni"));
        Files.writeString(h1.resolve("cni").resolve("10-flannel.conflist"), FLANNEL_CNI);
        weft = lab.startWeft("h1");
        lab.startMiniFlanneld("k2", lab.hostDir("k2").resolve("subnet.env"));
        weft.awaitOutput("weft is up", 120);
        // the peer is in weft's table once mini-flanneld's lease is
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!weftCli("fdb", "show").output().contains("10.98.0.2") && System.nanoTime() < deadline) {
            Thread.sleep(300);
        }
    }

    private Path dir(String name) throws java.io.IOException {
        Path d = lab.dir.resolve(name);
        Files.createDirectories(d);
        return d;
    }

    private Doctor doctorOnWeftHost() throws Exception {
        Path h1 = lab.hostDir("h1");
        return doctor(weftHost, "-etcd-endpoints", AgentLab.ETCD_URL, "-iface", "eth0", "--cni-dir", h1.resolve("cni").toString(),
                "--run-dir", h1.resolve("run").toString());
    }

    private Cmd.Result weftCli(String... args) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", AgentLab.JAR.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--run-dir", lab.hostDir("h1").resolve("run").toString()));
        return Cmd.run(60, weftHost.wrap(cmd));
    }

    @Test
    @Order(1)
    void aHostLeftInABadStateGetsEachFindingWithItsFix() throws Exception {
        Netns d = bare;
        d.ip("link", "add", "flannel.1", "type", "vxlan", "id", "1", "local", "10.98.0.3", "dev", "eth0", "dstport", "8472", "nolearning");
        d.ip("link", "set", "flannel.1", "up");
        Path cni = dir("bare-cni");
        Files.writeString(cni.resolve("10-calico.conflist"), CALICO_CNI);
        Files.writeString(cni.resolve("10-flannel.conflist"), FLANNEL_CNI);
        d.exec(10, "sysctl", "-qw", "net.ipv4.ip_forward=0", "net.ipv4.conf.all.rp_filter=1",
                "net.bridge.bridge-nf-call-iptables=0").requireOk();
        try {
            Doctor r = doctor(d, "-etcd-endpoints", "http://" + AgentLab.ETCD_IP + ":1", "-iface", "eth0", "--cni-dir", cni.toString(),
                    "--run-dir", dir("bare-run").toString());
            assertThat(r.exit).isEqualTo(1);
            assertThat(r.finding("vxlan-port")).contains("FAIL", "UDP 8472 is held by the kernel vxlan device flannel.1");
            assertThat(r.finding("flannel-device")).contains("FAIL", "left over from flanneld", "ip link delete flannel.1");
            assertThat(r.finding("cni-config")).contains("FAIL", "10-calico.conflist (calico) sorts first",
                    "instead of 10-flannel.conflist", "mv " + cni.resolve("10-calico.conflist"));
            assertThat(r.finding("ip-forward")).contains("FAIL", "net.ipv4.ip_forward = 0", "sysctl -w net.ipv4.ip_forward=1");
            assertThat(r.finding("rp-filter")).contains("WARN", "strict rp_filter", "rp_filter=2");
            assertThat(r.finding("bridge-nf")).contains("WARN", "bridge-nf-call-iptables = 0");
            assertThat(r.finding("etcd")).contains("FAIL", "does not answer", "endpoint health");
            assertThat(r.finding("agent")).contains("INFO", "no weft agent answers");
            assertThat(r.finding("peers")).contains("INFO", "needs a running agent");
        } finally {
            d.exec(10, "ip", "link", "del", "flannel.1");
            d.exec(10, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                    "net.bridge.bridge-nf-call-iptables=1");
        }
    }

    @Test
    @Order(2)
    void aProcessOnThePortAndAnMtuTooSmallForTheBackend() throws Exception {
        Netns d = bare;
        lab.etcdctl("put", "/mtu-test/network/config",
                "{\"Network\":\"10.245.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"MTU\":1500}}").requireOk();
        d.ip("link", "set", "eth0", "mtu", "1400");
        Process socat = d.processBuilder("socat", "-u", "UDP-LISTEN:8472,reuseaddr", "/dev/null").redirectErrorStream(true).start();
        try {
            awaitUdpPort(d, 8472);
            Doctor r = doctor(d, "-etcd-endpoints", AgentLab.ETCD_URL, "-etcd-prefix", "/mtu-test/network", "-iface", "eth0",
                    "--cni-dir", dir("bare-cni-2").toString(), "--run-dir", dir("bare-run").toString());
            assertThat(r.exit).isEqualTo(1);
            assertThat(r.finding("vxlan-port")).contains("FAIL", "UDP 8472 is held by process", "socat");
            assertThat(r.finding("mtu")).contains("FAIL", "Backend.MTU 1500 is larger than the MTU 1400 of eth0");
            assertThat(r.finding("etcd")).contains("OK", "answers");
            assertThat(r.finding("network-config")).contains("OK", "Network 10.245.0.0/16", "MTU 1500");
            assertThat(r.finding("lease")).contains("INFO", "no lease carries our PublicIP 10.98.0.3");
            assertThat(r.finding("cni-config")).contains("WARN", "no CNI config");
        } finally {
            socat.descendants().forEach(ProcessHandle::destroyForcibly);
            socat.destroyForcibly();
            d.ip("link", "set", "eth0", "mtu", "1500");
        }
    }

    @Test
    @Order(3)
    void aHealthyHostWithItsAgentAndAReachablePeerHasNoProblems() throws Exception {
        Doctor r = doctorOnWeftHost();
        assertThat(r.text).as(r.text).doesNotContain("\"warn\"", "\"fail\"");
        assertThat(r.exit).isZero();
        assertThat(r.finding("agent")).contains("OK", "weft runs");
        assertThat(r.finding("vxlan-port")).contains("OK", "served by the running weft agent");
        assertThat(r.finding("lease")).contains("OK", "our lease /coreos.com/network/subnets/", "PublicIP 10.98.0.1", "expires in");
        assertThat(r.finding("peer")).contains("OK", "answers through the tunnel", "at 10.98.0.2:8472", "RTT");
    }

    @Test
    @Order(4)
    void aPeerWhoseUdpPortIsDroppedFailsWithTheLikelyCauses() throws Exception {
        kernelPeer.exec(10, "iptables", "-I", "INPUT", "-p", "udp", "--dport", "8472", "-j", "DROP").requireOk();
        try {
            Path h1 = lab.hostDir("h1");
            Cmd.Result text = Cmd.run(90, weftHost.wrap(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", AgentLab.JAR.toString(), "doctor", "-etcd-endpoints", AgentLab.ETCD_URL, "-iface", "eth0",
                    "--cni-dir", h1.resolve("cni").toString(), "--run-dir", h1.resolve("run").toString())));
            assertThat(text.exitCode()).isEqualTo(1);
            assertThat(text.output()).contains("[FAIL] peer").contains("fix: the likely causes").endsWith("1 problem found\n");
            System.out.println("weft doctor with the peer's UDP dropped:\n" + text.output());
            Doctor r = doctorOnWeftHost();
            assertThat(r.exit).isEqualTo(1);
            assertThat(r.finding("peer")).contains("FAIL", "at 10.98.0.2:8472: no answer from its VTEP",
                    "security group", "wrong PublicIP", "NAT in front of the peer");
            // the agent's own probes notice too, and say so once
            weft.awaitOutput("is unreachable", 40);
            Cmd.Result peers = weftCli("peers");
            assertThat(peers.output()).contains("unreachable");
        } finally {
            kernelPeer.exec(10, "iptables", "-D", "INPUT", "-p", "udp", "--dport", "8472", "-j", "DROP");
        }
        weft.awaitOutput("answers probes again", 40);
        assertThat(weft.output().split("is unreachable", -1)).as("one warning per outage").hasSize(2);
    }

    Doctor doctor(Netns ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-jar", AgentLab.JAR.toString(), "doctor", "--json", "--probe-wait", "3"));
        cmd.addAll(List.of(args));
        Cmd.Result r = Cmd.run(90, ns.wrap(cmd));
        String out = r.output();
        int brace = out.indexOf('{');
        assertThat(brace).as("doctor printed JSON:\n" + out).isGreaterThanOrEqualTo(0);
        return new Doctor(r.exitCode(), json.readTree(out.substring(brace)), out);
    }

    /** One doctor run: its exit code and findings. */
    record Doctor(int exit, JsonNode report, String text) {
        /** "STATUS message fix" of every finding of {@code check}, joined, for contains-assertions. */
        String finding(String check) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode f : report.path("findings")) {
                if (f.path("check").asText().equals(check)) {
                    sb.append(f.path("status").asText().toUpperCase()).append(' ').append(f.path("message").asText())
                            .append(" fix: ").append(f.path("fix").asText("")).append('\n');
                }
            }
            assertThat(sb).as("no finding '" + check + "' in:\n" + text).isNotEmpty();
            return sb.toString();
        }
    }

    private static void awaitUdpPort(Netns ns, int port) throws InterruptedException {
        String hex = String.format(":%04X ", port);
        for (int i = 0; i < 100; i++) {
            if (ns.exec(10, "cat", "/proc/net/udp").output().contains(hex)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("nothing bound UDP " + port + " in " + ns.name());
    }
}
