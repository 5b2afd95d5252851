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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hosts whose external address is a secondary one: h1's eth0 holds 10.98.0.1 and 10.98.0.101 and weft runs with
 * {@code -iface=10.98.0.101}; h2's holds 10.98.0.2 and 10.98.0.102 and weft runs with {@code -iface eth0
 * -public-ip=10.98.0.102}. Their leases advertise the secondary addresses, so that is where flanneld would send from
 * (its device's {@code local}) and what a weft peer accepts as the sender; the kernel would pick the primary address
 * for a socket bound to 0.0.0.0. k3 is a flanneld-style kernel host. Every veth keeps its default offloads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecondaryAddressIT {
    private static final String[] HOSTS = {"h1", "h2", "k3"};
    private static final String[] SECONDARY = {"10.98.0.101", "10.98.0.102"};
    @AutoClose
    AgentLab lab;
    final AgentProcess[] agents = new AgentProcess[2];
    final String[] podIps = new String[HOSTS.length];

    @BeforeAll
    void startCluster() throws Exception {
        lab = new AgentLab("wdp-sa-");
        lab.startEtcd();
        lab.putConfig("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        for (int i = 0; i < HOSTS.length; i++) {
            Netns h = lab.addHost(HOSTS[i], i + 1);
            if (i < 2) {
                h.ip("addr", "add", SECONDARY[i] + "/24", "dev", "eth0");
            }
        }
        Path d1 = lab.hostDir("h1");
        agents[0] = AgentProcess.start(lab.host("h1"), d1.resolve("weft.log"), "run", "-etcd-endpoints", AgentLab.ETCD_URL,
                "-iface=" + SECONDARY[0], "-subnet-file", d1.resolve("subnet.env").toString(),
                "--run-dir", d1.resolve("run").toString(), "--workers", "1");
        lab.track(agents[0].process);
        agents[1] = lab.startWeft("h2", "-public-ip=" + SECONDARY[1]);
        lab.startMiniFlanneld("k3", lab.hostDir("k3").resolve("subnet.env"));
        for (AgentProcess a : agents) {
            a.awaitOutput("weft is up", 120);
        }
        for (int i = 0; i < HOSTS.length; i++) {
            Path env = lab.hostDir(HOSTS[i]).resolve("subnet.env");
            AgentLab.awaitFile(env, 30);
            podIps[i] = lab.addPod(HOSTS[i], AgentLab.subnetEnvValue(env, "FLANNEL_SUBNET"));
        }
    }

    @Test
    @Order(1)
    void leasesAdvertiseTheSecondaryAddressesAndWeftSendsFromThem() throws Exception {
        String leases = lab.etcdctl("get", "--prefix", "/coreos.com/network/subnets", "--print-value-only").requireOk().output();
        for (int i = 0; i < 2; i++) {
            assertThat(leases).contains("\"PublicIP\":\"" + SECONDARY[i] + "\"");
            String stats = lab.weftCli(HOSTS[i], "stats", "--json", "--run-dir", lab.hostDir(HOSTS[i]).resolve("run").toString())
                    .output();
            assertThat(stats).containsPattern("\"sendFrom\"\\s*:\\s*\"" + Pattern.quote(SECONDARY[i]) + "\"");
            assertThat(agents[i].output()).contains("UDP " + SECONDARY[i] + ":8472");
        }
    }

    /** Ping and TCP between every pod pair: a weft peer takes a sender only by its lease's PublicIP. */
    @Test
    @Order(2)
    void everyPodPairCarriesPingAndTcp() throws Exception {
        byte[] data = Traffic.randomBytes(128 * 1024, 101);
        int port = 7800;
        for (int from = 0; from < HOSTS.length; from++) {
            for (int to = 0; to < HOSTS.length; to++) {
                if (from == to) {
                    continue;
                }
                Cmd.Result ping = lab.pod(HOSTS[from]).exec(20, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", podIps[to]);
                assertThat(ping.ok()).as("ping from the pod on " + HOSTS[from] + " to the pod on " + HOSTS[to] + ":\n"
                        + ping.output() + diagnostics()).isTrue();
                byte[] got = Traffic.tcpTransfer(lab.pod(HOSTS[from]), lab.pod(HOSTS[to]), podIps[to], port++, data);
                assertThat(Traffic.sha256(got)).as("TCP from the pod on " + HOSTS[from] + " to the pod on " + HOSTS[to]
                        + diagnostics()).isEqualTo(Traffic.sha256(data));
            }
        }
        for (int i = 0; i < 2; i++) {
            String stats = lab.weftCli(HOSTS[i], "stats", "--json", "--run-dir", lab.hostDir(HOSTS[i]).resolve("run").toString())
                    .output();
            assertThat(NatCluster.counter(stats, "unknown_sender")).as("senders refused at " + HOSTS[i] + ": " + stats)
                    .isZero();
        }
    }

    /** On the wire, as k3 receives it: every VXLAN packet from h1 and h2 has the secondary address as its source. */
    @Test
    @Order(3)
    void theOuterSourceIsTheSecondaryAddress() throws Exception {
        Netns k3 = lab.host("k3");
        Process dump = new ProcessBuilder(k3.wrap(List.of("timeout", "20", "tcpdump", "-l", "-n", "-Q", "in", "-i", "eth0",
                "-c", "8", "udp", "dst", "port", "8472"))).redirectErrorStream(true).start();
        lab.track(dump);
        Thread.sleep(1500); // tcpdump is listening
        for (int i = 0; i < 2; i++) {
            lab.pod(HOSTS[i]).exec(20, "ping", "-n", "-c", "4", "-i", "0.2", "-W", "2", podIps[2]).requireOk();
        }
        assertThat(dump.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(dump.getInputStream().readAllBytes());
        Set<String> sources = new TreeSet<>();
        Matcher m = Pattern.compile("IP (\\d+\\.\\d+\\.\\d+\\.\\d+)\\.\\d+ > 10\\.98\\.0\\.3\\.8472").matcher(out);
        while (m.find()) {
            sources.add(m.group(1));
        }
        assertThat(sources).as("outer sources seen by k3:\n" + out).containsExactlyInAnyOrder(SECONDARY);
    }

    /** The reachability probes go out of the bound socket too and come back to it. */
    @Test
    @Order(4)
    void probesFindEveryPeerReachable() throws Exception {
        for (int i = 0; i < 2; i++) {
            String run = lab.hostDir(HOSTS[i]).resolve("run").toString();
            String out = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                out = lab.weftCli(HOSTS[i], "peers", "--run-dir", run).output();
                if (out.split(" reachable ", -1).length == HOSTS.length) {
                    break;
                }
                Thread.sleep(1000);
            }
            assertThat(out.split(" reachable ", -1)).as("every peer of " + HOSTS[i] + " reachable:\n" + out)
                    .hasSize(HOSTS.length);
        }
    }

    private String diagnostics() {
        return "\n--- h1:\n" + agents[0].output() + "\n--- h2:\n" + agents[1].output();
    }
}
