package io.weft.dataplane.agent;

import io.weft.dataplane.netns.Traffic;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Moving h1 from flanneld to weft in one step. h1 first runs as a flanneld node (scripts/lab/mini-flanneld: lease in
 * etcd, subnet.env, flannel.1 with a neighbour entry, an FDB entry and an onlink route per peer, flanneld's
 * FLANNEL-POSTRTG and FLANNEL-FWD rules with {@code -ip-masq}), with a pod, next to a kernel peer k2 and a weft peer
 * w3; then flanneld stops and leaves all of it, as flanneld does. weft refuses to start on that host with a hint, and
 * with {@code --replace-flannel} takes over: same lease, same subnet, the pod's address still good, the device gone,
 * flanneld's rules kept once each.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplaceFlannelIT {
    @AutoClose
    AgentLab lab;
    Path h1;
    String subnetBefore;
    String leaseKeyBefore;
    String podIp;
    String k2Pod;
    String w3Pod;
    String natRulesBefore;
    String filterRulesBefore;
    AgentProcess weft;

    @BeforeAll
    void flanneldRanOnH1() throws Exception {
        lab = new AgentLab("wdp-rf-");
        lab.startEtcd();
        lab.putConfig("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        lab.addHost("h1", 1);
        lab.addHost("k2", 2);
        lab.addHost("w3", 3);
        lab.startMiniFlanneld("k2", lab.hostDir("k2").resolve("subnet.env"));
        AgentProcess w3 = lab.startWeft("w3");
        w3.awaitOutput("weft is up", 120);
        Path k2Env = lab.hostDir("k2").resolve("subnet.env");
        AgentLab.awaitFile(k2Env, 30);
        k2Pod = lab.addPod("k2", AgentLab.subnetEnvValue(k2Env, "FLANNEL_SUBNET"));
        w3Pod = lab.addPod("w3", AgentLab.subnetEnvValue(lab.hostDir("w3").resolve("subnet.env"), "FLANNEL_SUBNET"));

        // flanneld on h1, once: it sets everything up, programs the peers and exits, leaving its state as flanneld does
        h1 = lab.hostDir("h1");
        Process flanneld = new ProcessBuilder(lab.host("h1").wrap(List.of(AgentLab.MINI_FLANNELD.toString(), "--etcd",
                AgentLab.ETCD_URL, "--iface", "eth0", "--subnet-file", h1.resolve("subnet.env").toString(), "--once",
                "--iptables", "--ip-masq"))).redirectErrorStream(true).start();
        lab.track(flanneld);
        assertThat(flanneld.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(flanneld.getInputStream().readAllBytes());
        assertThat(flanneld.exitValue()).as(out).isZero();
        subnetBefore = AgentLab.subnetEnvValue(h1.resolve("subnet.env"), "FLANNEL_SUBNET");
        podIp = lab.addPod("h1", subnetBefore);
        leaseKeyBefore = leaseKeys();
        natRulesBefore = rules("nat", "flanneld masq");
        filterRulesBefore = rules("filter", "flanneld forward");
        // the flanneld node works: its pod reaches both peers' pods through flannel.1
        assertPing(lab.pod("h1"), k2Pod);
        assertPing(lab.pod("h1"), w3Pod);
        assertThat(lab.host("h1").ip("-4", "neigh", "show", "dev", "flannel.1")).contains("PERMANENT");
        assertThat(natRulesBefore.lines().count()).as(natRulesBefore).isEqualTo(7);
        assertThat(filterRulesBefore.lines().count()).as(filterRulesBefore).isEqualTo(3);
    }

    @Test
    @Order(1)
    void withoutTheFlagWeftRefusesWithAHintNamingTheDeviceAndTheFlag() throws Exception {
        AgentProcess p = AgentProcess.start(lab.host("h1"), h1.resolve("refused.log"), weftArgs(false));
        lab.track(p.process);
        assertThat(p.awaitExit(120)).as(p.output()).isEqualTo(1);
        String line = p.output().lines().filter(l -> l.startsWith("weft: ")).findFirst().orElse(p.output());
        assertThat(line).contains("UDP port 8472 is already in use by the kernel vxlan device flannel.1")
                .contains("--replace-flannel");
        assertThat(lab.host("h1").hasLink("flannel.1")).isTrue();
    }

    @Test
    @Order(2)
    void withTheFlagWeftTakesOverTheLeaseTheSubnetAndTheRules() throws Exception {
        weft = AgentProcess.start(lab.host("h1"), h1.resolve("weft.log"), weftArgs(true));
        lab.track(weft.process);
        weft.awaitOutput("weft is up", 120);
        assertThat(weft.output()).contains("--replace-flannel: removed flanneld's device flannel.1 (VNI 1, local 10.98.0.1,"
                + " port 8472) with its 2 neighbour entries, 2 FDB entries and 2 route(s)");
        assertThat(lab.host("h1").hasLink("flannel.1")).as("flanneld's device is gone").isFalse();
        assertThat(lab.host("h1").ip("-4", "route")).doesNotContain("flannel.1");
        assertThat(AgentLab.subnetEnvValue(h1.resolve("subnet.env"), "FLANNEL_SUBNET")).isEqualTo(subnetBefore);
        assertThat(leaseKeys()).as("the same lease key, and only it, for h1's PublicIP").isEqualTo(leaseKeyBefore);
        assertThat(weft.output()).contains("reusing subnet lease");
        // flanneld's rules are weft's: kept, each once, nothing added
        assertThat(rules("nat", "flanneld masq")).isEqualTo(natRulesBefore);
        assertThat(rules("filter", "flanneld forward")).isEqualTo(filterRulesBefore);
    }

    @Test
    @Order(3)
    void thePodKeepsItsAddressAndReachesBothPeers() throws Exception {
        assertThat(lab.pod("h1").ip("-4", "addr", "show", "dev", "eth0")).contains(podIp + "/");
        // the peers follow the lease (weft's VtepMAC replaces flanneld's); allow them their poll
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && !(pings(lab.pod("h1"), k2Pod) && pings(lab.pod("h1"), w3Pod))) {
            Thread.sleep(500);
        }
        assertPing(lab.pod("h1"), k2Pod);
        assertPing(lab.pod("h1"), w3Pod);
        assertPing(lab.pod("k2"), podIp);
        assertPing(lab.pod("w3"), podIp);
        byte[] data = Traffic.randomBytes(128 * 1024, 20);
        int port = 7900;
        for (String[] pair : new String[][]{{"h1", "k2"}, {"k2", "h1"}, {"h1", "w3"}, {"w3", "h1"}}) {
            String to = pair[1].equals("h1") ? podIp : pair[1].equals("k2") ? k2Pod : w3Pod;
            byte[] got = Traffic.tcpTransfer(lab.pod(pair[0]), lab.pod(pair[1]), to, port++, data);
            assertThat(Traffic.sha256(got)).as("TCP from " + pair[0] + " to " + pair[1] + "\n" + weft.output())
                    .isEqualTo(Traffic.sha256(data));
        }
    }

    private String[] weftArgs(boolean replace) {
        List<String> a = new ArrayList<>(List.of("run", "-etcd-endpoints", AgentLab.ETCD_URL, "-iface", "eth0",
                "-subnet-file", h1.resolve("subnet.env").toString(), "--run-dir", h1.resolve("run").toString(),
                "--workers", "1", "-ip-masq"));
        if (replace) {
            a.add("--replace-flannel");
        }
        return a.toArray(new String[0]);
    }

    /** The keys of the leases that carry h1's PublicIP. */
    private String leaseKeys() {
        String out = lab.etcdctl("get", "--prefix", "/coreos.com/network/subnets").requireOk().stdout();
        List<String> lines = out.lines().toList();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i + 1 < lines.size(); i += 2) {
            if (lines.get(i + 1).contains("\"PublicIP\":\"10.98.0.1\"")) {
                keys.add(lines.get(i));
            }
        }
        return String.join(",", keys);
    }

    /** h1's iptables rules with flanneld's comment in {@code table}, as iptables-save prints them. */
    private String rules(String table, String comment) {
        String out = lab.host("h1").exec(20, "iptables-save", "-t", table).requireOk().stdout();
        return String.join("\n", out.lines().filter(l -> l.contains("\"" + comment + "\"")).toList());
    }

    private static boolean pings(Netns from, String to) {
        return from.exec(10, "ping", "-n", "-c", "1", "-W", "1", to).ok();
    }

    /**
     * Pings until a reply comes, for up to 15 s: the peers learn a new or changed lease on their own schedule
     * (mini-flanneld reads etcd once a second, weft follows its watch), so the first packet may precede it.
     */
    private static void assertPing(Netns from, String to) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        Cmd.Result r;
        do {
            r = from.exec(20, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", to);
            if (r.ok()) {
                return;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        assertThat(r.ok()).as("ping from " + from.name() + " to " + to + " for 15 s:\n" + r.output()).isTrue();
    }
}
