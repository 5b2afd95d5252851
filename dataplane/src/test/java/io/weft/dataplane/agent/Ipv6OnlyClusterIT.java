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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * flannel's IPv6-only network ({@code EnableIPv4: false}) with the real {@code weft.jar}: two weft hosts and a
 * flanneld-style host with only {@code flannel-v6.1}; every lease has flannel's IPv4 placeholder {@code 0.0.0.0-0}, so
 * only the IPv6 subnet tells them apart. Pods have IPv6 addresses only; the underlay is IPv6. Host h2's external
 * interface has no IPv4 address at all (its IPv4 reaches etcd over another interface, which holds the IPv4 default
 * route): its agent is given no {@code -iface}, chooses eth0 by the IPv6 default route as flanneld does, binds no IPv4
 * socket (also after a warm restart), and keeps flanneld's {@code -ip-blackhole-route} for its IPv6 subnet, which
 * {@code weft cleanup} removes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Ipv6OnlyClusterIT {
    private static final String CONFIG = "{\"EnableIPv4\":false,\"EnableIPv6\":true,"
            + "\"IPv6Network\":\"fd00:20:244::/56\",\"Backend\":{\"Type\":\"vxlan\"}}";
    private static final String[] HOSTS = {"h1", "h2", "k3"};
    @AutoClose
    private AgentLab lab;
    private final String[] pod6 = new String[3];
    private AgentProcess weftH1;
    private AgentProcess a2;

    @BeforeAll
    void startCluster() throws Exception {
        lab = new AgentLab("wdp-6o-");
        lab.startEtcd();
        lab.putConfig(CONFIG);
        for (int i = 0; i < HOSTS.length; i++) {
            DualStackLab.addUnderlay6(lab.addHost(HOSTS[i], i + 1), i + 1);
        }
        DualStackLab.makeUnderlayIpv6Only(lab, "h2", 2);
        AgentProcess a1 = lab.startWeft("h1", "-ip-masq");
        weftH1 = a1;
        a2 = DualStackLab.startWeftChoosingTheInterface(lab, "h2", "-ip-blackhole-route");
        lab.startMiniFlanneld("k3", lab.hostDir("k3").resolve("subnet.env"));
        a1.awaitOutput("weft is up", 90);
        a2.awaitOutput("weft is up", 90);
        for (int i = 0; i < HOSTS.length; i++) {
            AgentLab.awaitFile(lab.hostDir(HOSTS[i]).resolve("subnet.env"), 30);
            DualStackLab.addV6OnlyPod(lab, HOSTS[i]);
            pod6[i] = DualStackLab.addPodV6(lab, HOSTS[i]);
        }
    }

    @Test
    @Order(1)
    void leasesHaveFlannelsIpv4PlaceholderAndOnlyBackendV6Data() throws Exception {
        String v6 = AgentLab.subnetEnvValue(env("h1"), "FLANNEL_IPV6_SUBNET").replace("::1/64", "::-64");
        String key = "/coreos.com/network/subnets/0.0.0.0-0&" + v6;
        assertThat(DualStackLab.leaseKeys(lab)).contains(key).hasSize(3)
                .allMatch(k -> k.matches(".*/0\\.0\\.0\\.0-0&fd00:20:244:[0-9a-f]*::-64"));
        assertThat(lab.etcdctl("get", key, "--print-value-only").requireOk().output().trim())
                .matches("\\{\"PublicIP\":\"0\\.0\\.0\\.0\",\"PublicIPv6\":\"fd98::1\",\"BackendType\":\"vxlan\","
                        + "\"BackendV6Data\":\\{\"VNI\":1,\"VtepMAC\":\"[0-9a-f:]{17}\"}}");
        assertThat(Files.readString(env("h1"))).matches("FLANNEL_IPV6_NETWORK=fd00:20:244::/56\n"
                + "FLANNEL_IPV6_SUBNET=fd00:20:244:[0-9a-f]*::1/64\nFLANNEL_MTU=1430\nFLANNEL_IPMASQ=true\n");
    }

    @Test
    @Order(2)
    void theTunHasNoIpv4AndTheRulesAreIpv6Only() {
        assertThat(lab.host("h1").exec(20, "ip", "-4", "addr", "show", "dev", "weft.1").requireOk().output()).isBlank();
        assertThat(lab.host("h1").exec(20, "ip", "-6", "route", "show", "dev", "weft.1").requireOk().output())
                .contains("fd00:20:244::/56 ").contains("mtu 1430");
        assertThat(lab.host("h1").exec(20, "ip6tables", "-t", "nat", "-S", "FLANNEL-POSTRTG").requireOk().output())
                .contains("-s fd00:20:244::/56 ! -d ff00::/8");
        assertThat(lab.host("h1").exec(20, "iptables", "-t", "nat", "-S", "FLANNEL-POSTRTG").ok())
                .as("no IPv4 rules without an IPv4 network").isFalse();
    }

    @Test
    @Order(3)
    void everyPodPairCarriesPingAndTcpOverIpv6() throws Exception {
        DualStackLab.assertEveryPodPair(lab, HOSTS, 7950, pod6);
    }

    /**
     * The reachability probes go over IPv6 too: h1's {@code weft peers} shows both IPv6-only peers (weft h2 and the
     * flanneld-style k3) answered, with an RTT, through the tunnel over the IPv6 underlay.
     */
    @Test
    @Order(4)
    void weftPeersShowsTheIpv6PeersAnsweredTheProbes() throws Exception {
        com.fasterxml.jackson.databind.JsonNode peers = DualStackLab.awaitProbesAnswered(lab, "h1", 2, "ipv6Reachability");
        assertThat(peers).as("h1's peers: %s", peers).hasSize(2);
        for (com.fasterxml.jackson.databind.JsonNode p : peers) {
            assertThat(p.path("ipv6Subnet").asText()).as("%s", p).startsWith("fd00:20:244:");
            assertThat(p.path("reachability").asText()).as("an IPv6-only peer is judged by its IPv6 probes: %s", p)
                    .isEqualTo("reachable");
            assertThat(p.path("ipv6Reachability").asText()).as("%s", p).isEqualTo("reachable");
            assertThat(p.path("rttMs").isNumber()).as("%s", p).isTrue();
            assertThat(p.path("ipv6ProbesAnswered").asLong()).as("%s", p).isPositive();
        }
        String run = lab.hostDir("h1").resolve("run").toString();
        assertThat(lab.weftCli("h1", "peers", "--run-dir", run).stdout()).contains("reachable").doesNotContain("unknown");
    }

    /**
     * {@code weft capture} of the IPv6 underlay: h1 pings k3's IPv6 VTEP while capturing k3's packets (named by its
     * PublicIPv6); tshark must read IPv6 outer packets between fd98::1 and fd98::3 with a good UDP checksum, VXLAN
     * VNI 1 and the inner ICMPv6 echoes both ways.
     */
    @Test
    @Order(5)
    void weftCaptureRecordsTheIpv6UnderlayAndTheInnerIcmpv6() throws Exception {
        String k3Vtep = AgentLab.subnetEnvValue(env("k3"), "FLANNEL_IPV6_SUBNET").replace("::1/64", "::");
        Path file = lab.dir.resolve("outer6.pcap");
        java.util.List<String> cmd = java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-jar", AgentLab.JAR.toString(), "capture", "-w", file.toString(), "--peer",
                "fd98::3", "--count", "6", "--duration", "20", "--run-dir", lab.hostDir("h1").resolve("run").toString());
        Path log = lab.dir.resolve("capture6.log");
        Process capture = new ProcessBuilder(lab.host("h1").wrap(cmd)).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
        lab.track(capture);
        weftH1.awaitOutput("capturing outer packets of peer fd98::3", 30);
        lab.host("h1").exec(20, "ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", k3Vtep);
        assertThat(capture.waitFor(40, java.util.concurrent.TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
        assertThat(capture.exitValue()).as(Files.readString(log)).isZero();
        String out = io.weft.labkit.process.Cmd.run(60, "tshark", "-r", file.toString(), "-d", "udp.port==8472,vxlan",
                "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=|", "-e", "ipv6.src", "-e", "ipv6.dst",
                "-e", "udp.checksum.status", "-e", "vxlan.vni", "-e", "icmpv6.type").requireOk().output();
        java.util.List<String> rows = java.util.Arrays.stream(out.split("\n"))
                .filter(l -> !l.isBlank() && !l.startsWith("Running as user")).toList();
        String h1Vtep = AgentLab.subnetEnvValue(env("h1"), "FLANNEL_IPV6_SUBNET").replace("::1/64", "::");
        assertThat(rows).as(out).hasSize(6);
        assertThat(rows).as(out).contains("fd98::1," + h1Vtep + "|fd98::3," + k3Vtep + "|1|1|128")
                .contains("fd98::3," + k3Vtep + "|fd98::1," + h1Vtep + "|1|1|129");
    }

    /**
     * {@code weft doctor} on h2 (no IPv4 on eth0, no {@code -iface}) chooses the underlay as the agent did, by IPv6,
     * checks its MTU with IPv6's 70 bytes of VXLAN, and finds our lease by its PublicIPv6, since every lease of the
     * network carries the PublicIP 0.0.0.0.
     */
    @Test
    @Order(6)
    void weftDoctorOnTheHostWithoutIpv4ChoosesTheUnderlayByIpv6AndFindsOurLease() throws Exception {
        Path h2 = lab.hostDir("h2");
        Cmd.Result r = lab.host("h2").exec(90, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-jar", AgentLab.JAR.toString(), "doctor", "-etcd-endpoints", AgentLab.ETCD_URL,
                "--run-dir", h2.resolve("run").toString(), "--cni-dir", h2.resolve("cni").toString(), "--probe-wait", "3"));
        String out = r.stdout();
        System.out.println("weft doctor on h2:\n" + r.output());
        String v6 = AgentLab.subnetEnvValue(env("h2"), "FLANNEL_IPV6_SUBNET").replace("::1/64", "::");
        assertThat(out).as(r.output())
                .containsPattern("\\[OK\\s*] agent +weft runs: IPv6 subnet " + v6 + "/64 on weft\\.1, PublicIPv6 fd98::2")
                .containsPattern("\\[OK\\s*] underlay +underlay eth0 \\(MTU 1500\\) chosen by IPv6, as the agent"
                        + " chooses it: the network is IPv6-only; IPv6 address fd98::2\n")
                .containsPattern("\\[OK\\s*] lease +our lease /coreos\\.com/network/subnets/0\\.0\\.0\\.0-0&"
                        + v6 + "-64 \\(PublicIPv6 fd98::2\\) expires in")
                .containsPattern("\\[OK\\s*] network-config +IPv6Network fd00:20:244::/56, VNI 1, UDP port 8472")
                .containsPattern("\\[OK\\s*] leases +2 peer lease\\(s\\), none outside IPv6Network fd00:20:244::/56")
                .containsPattern("\\[OK\\s*] mtu +overlay MTU 1430 \\+ 70 bytes of VXLAN over IPv6 fits eth0 \\(MTU 1500\\)")
                .containsPattern("\\[OK\\s*] ip-forward +net\\.ipv6\\.conf\\.all\\.forwarding = 1\n")
                .doesNotContainPattern("(?m)^\\[FAIL] (underlay|lease|leases|mtu|public-ip|ip-forward) ")
                .doesNotContain("PublicIP 0.0.0.0");
    }

    @Test
    @Order(7)
    void aHostWithoutIpv4OnItsUnderlayChoosesItByIpv6AndBindsNoIpv4Socket() throws Exception {
        Netns h2 = lab.host("h2");
        assertThat(h2.exec(20, "ip", "-4", "addr", "show", "dev", "eth0").requireOk().output()).as("the rig").isBlank();
        assertThat(a2.output()).contains("underlay interface eth0 (MTU 1500), chosen by IPv6")
                .contains("advertising PublicIPv6 fd98::2");
        String v6 = AgentLab.subnetEnvValue(env("h2"), "FLANNEL_IPV6_SUBNET").replace("::1/64", "::-64");
        assertThat(lab.etcdctl("get", "/coreos.com/network/subnets/0.0.0.0-0&" + v6, "--print-value-only").requireOk()
                .output()).contains("\"PublicIP\":\"0.0.0.0\",\"PublicIPv6\":\"fd98::2\"");
        assertThat(h2.exec(20, "ss", "-H", "-u", "-l", "-n", "-4", "sport", "=", ":8472").requireOk().output())
                .as("no IPv4 VXLAN socket").isBlank();
        assertThat(h2.exec(20, "ss", "-H", "-u", "-l", "-n", "-6", "sport", "=", ":8472").requireOk().output())
                .contains("[fd98::2]:8472");
    }

    @Test
    @Order(8)
    void aRestartOfTheHostWithoutIpv4ForwardsFromTheLastRunAndStillBindsNoIpv4Socket() throws Exception {
        assertThat(a2.stop(30)).isIn(0, 143);
        a2 = DualStackLab.startWeftChoosingTheInterface(lab, "h2", "-ip-blackhole-route");
        a2.awaitOutput("weft is up", 90);
        assertThat(a2.output()).contains("with the last run's table").doesNotContain("reprogramming");
        DualStackLab.assertPingAndTcp(lab.pod("h2"), lab.pod("h1"), pod6[0], 7990, "from h2's pod to h1's after a restart",
                () -> DualStackLab.diagnostics(lab, HOSTS));
        DualStackLab.assertPingAndTcp(lab.pod("k3"), lab.pod("h2"), pod6[1], 7991, "from k3's pod to h2's after a restart",
                () -> DualStackLab.diagnostics(lab, HOSTS));
        assertThat(lab.host("h2").exec(20, "ss", "-H", "-u", "-l", "-n", "-4", "sport", "=", ":8472").requireOk()
                .output()).as("no IPv4 VXLAN socket after the restart").isBlank();
    }

    @Test
    @Order(9)
    void theIpv6BlackholeRouteIsKeptAndCleanupRemovesIt() throws Exception {
        String subnet6 = AgentLab.subnetEnvValue(env("h2"), "FLANNEL_IPV6_SUBNET").replace("::1/64", "::/64");
        Netns h2 = lab.host("h2");
        assertThat(h2.exec(20, "ip", "-6", "route", "show", "type", "blackhole").requireOk().output())
                .contains("blackhole " + subnet6);
        assertThat(a2.stop(30)).isIn(0, 143);
        assertThat(h2.exec(20, "ip", "-6", "route", "show", "type", "blackhole").requireOk().output())
                .as("a stop keeps it, as flanneld's").contains("blackhole " + subnet6);
        Cmd.Result done = h2.exec(60, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                AgentLab.JAR.toString(), "cleanup", "--run-dir", lab.hostDir("h2").resolve("run").toString(),
                "-subnet-file", env("h2").toString()));
        assertThat(done.exitCode()).as(done.output()).isZero();
        assertThat(done.stdout()).contains("removed blackhole route " + subnet6);
        assertThat(h2.exec(20, "ip", "-6", "route", "show", "type", "blackhole").requireOk().output()).isBlank();
        assertThat(h2.exec(20, "ip", "-6", "route", "show", subnet6).requireOk().output())
                .as("the pods' own route to the subnet stays").contains("dev " + lab.prefix + "h2c");
    }

    private Path env(String host) throws Exception {
        return lab.hostDir(host).resolve("subnet.env");
    }
}
