package io.weft.dataplane.agent;

import io.weft.labkit.process.Cmd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code weft cleanup} on a host whose agent stopped and left its setup for the next run: it refuses while an agent
 * answers, then removes the TUN, its route, the blackhole route, flannel's iptables chains, the --node-ip-dnat chains,
 * flannel's and weft's nftables tables and the run dir, saying what it removed; run again, it finds nothing and exits 0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CleanupIT {
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    @AutoClose
    private OneHostLab one;

    @BeforeAll
    void startLab() throws Exception {
        one = new OneHostLab("wdp-cl-");
        one.lab.putConfig(CONFIG);
    }

    @AfterEach
    void stopAgents() {
        one.stopAgents();
    }

    private Cmd.Result cleanup(String... extra) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", AgentLab.JAR.toString(), "cleanup", "--run-dir", one.dir.resolve("run").toString(),
                "-subnet-file", one.dir.resolve("subnet.env").toString()));
        cmd.addAll(List.of(extra));
        return one.host.exec(60, cmd);
    }

    @Test
    void aStoppedAgentsSetupStaysAndCleanupRemovesAllOfItOnce() throws Exception {
        cleanup("--force");
        one.lab.putConfig(CONFIG);
        AgentProcess p = one.start("cleanup.log", Map.of(), List.of(), List.of("run", "-etcd-endpoints", AgentLab.ETCD_URL,
                "-iface", "eth0", "-subnet-file", one.dir.resolve("subnet.env").toString(), "--run-dir",
                one.dir.resolve("run").toString(), "--workers", "1", "-ip-masq", "-ip-blackhole-route"));
        p.awaitOutput("weft is up", 90);

        Cmd.Result refused = cleanup();
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
        assertThat(refused.output()).contains("an agent is running").contains("--force");
        assertThat(one.host.hasLink("weft.1")).as("nothing removed while the agent runs").isTrue();

        assertThat(p.stop(30)).isIn(0, 143);
        assertThat(one.host.hasLink("weft.1")).as("a stop keeps the TUN").isTrue();
        assertThat(one.host.ip("route", "show")).contains("10.244.0.0/16 dev weft.1");
        assertThat(iptables("nat")).contains("FLANNEL-POSTRTG");
        assertThat(iptables("filter")).contains("FLANNEL-FWD");
        assertThat(one.host.ip("route", "show", "type", "blackhole")).contains("blackhole 10.244.");
        // what --node-ip-dnat (kube mode) and the nftables mode would have left, and a table that is not weft's
        one.host.exec(10, "iptables", "-t", "nat", "-N", "WEFT-NODE-DNAT").requireOk();
        one.host.exec(10, "iptables", "-t", "nat", "-A", "OUTPUT", "-m", "comment", "--comment", "weft node-ip-dnat",
                "-j", "WEFT-NODE-DNAT").requireOk();
        Path nft = one.dir.resolve("tables.nft");
        Files.writeString(nft, "add table inet weft-node-dnat\nadd table ip flannel-ipv4\nadd table inet someone-else\n");
        one.host.exec(10, "nft", "-f", nft.toString()).requireOk();

        Cmd.Result done = cleanup();
        assertThat(done.exitCode()).as(done.output()).isZero();
        assertThat(done.stdout()).contains("removed TUN device weft.1").contains("removed blackhole route 10.244.")
                .contains("removed iptables chain nat FLANNEL-POSTRTG").contains("removed iptables chain filter FLANNEL-FWD")
                .contains("removed iptables chain nat WEFT-NODE-DNAT")
                .contains("removed nftables table inet weft-node-dnat").contains("removed nftables table ip flannel-ipv4")
                .contains("removed run dir " + one.dir.resolve("run"));
        assertThat(one.host.hasLink("weft.1")).isFalse();
        assertThat(one.host.ip("route", "show")).doesNotContain("10.244.");
        assertThat(iptables("nat")).doesNotContain("FLANNEL").doesNotContain("WEFT");
        assertThat(iptables("filter")).doesNotContain("FLANNEL");
        assertThat(one.host.exec(10, "nft", "list", "tables").output()).doesNotContain("weft").doesNotContain("flannel")
                .contains("someone-else");
        assertThat(one.dir.resolve("run")).doesNotExist();

        Cmd.Result again = cleanup();
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.stdout().strip()).isEqualTo("nothing to remove: no host setup of weft found");

        // and the next agent starts on the clean host
        AgentProcess q = one.start("after.log", Map.of(), List.of(), List.of("run", "-etcd-endpoints", AgentLab.ETCD_URL,
                "-iface", "eth0", "-subnet-file", one.dir.resolve("subnet.env").toString(), "--run-dir",
                one.dir.resolve("run").toString(), "--workers", "1"));
        q.awaitOutput("weft is up", 90);
        assertThat(q.output()).doesNotContain("last run");
    }

    @Test
    void anAgentStartedForAnotherNetworkReprogramsWhatTheLastRunLeftWithOneLine() throws Exception {
        cleanup("--force");
        one.lab.etcdctl("del", "--prefix", "/coreos.com/network").requireOk();
        one.lab.putConfig(CONFIG);
        AgentProcess p = runWithMasq("network1.log");
        p.awaitOutput("weft is up", 90);
        assertThat(p.stop(30)).isIn(0, 143);

        one.lab.putConfig("{\"Network\":\"10.245.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        AgentProcess q = runWithMasq("network2.log");
        q.awaitOutput("weft is up", 90);
        assertThat(q.output().lines().filter(l -> l.contains("reprogramming for")).toList()).singleElement().asString()
                .containsPattern("the last run had subnet 10\\.244\\.\\d+\\.0/24, network 10\\.244\\.0\\.0/16; reprogramming"
                        + " for subnet 10\\.245\\.\\d+\\.0/24, network 10\\.245\\.0\\.0/16");
        String addr = one.host.ip("-4", "addr", "show", "dev", "weft.1");
        assertThat(addr.lines().filter(l -> l.contains(" inet ")).toList()).singleElement().asString().contains("inet 10.245.");
        assertThat(one.host.ip("-4", "route", "show", "dev", "weft.1").strip()).startsWith("10.245.0.0/16 ")
                .doesNotContain("10.244.");
        String nat = iptables("nat");
        assertThat(nat.lines().filter(l -> l.startsWith("-A FLANNEL-POSTRTG ")).toList()).hasSize(6)
                .noneMatch(l -> l.contains("10.244."));
        assertThat(nat.lines().filter(l -> l.contains("-j FLANNEL-POSTRTG")).toList()).hasSize(1);
        assertThat(q.stop(30)).isIn(0, 143);
        assertThat(cleanup().stdout()).contains("removed TUN device weft.1");
    }

    private AgentProcess runWithMasq(String logName) throws Exception {
        return one.start(logName, Map.of(), List.of(), List.of("run", "-etcd-endpoints", AgentLab.ETCD_URL,
                "-iface", "eth0", "-subnet-file", one.dir.resolve("subnet.env").toString(), "--run-dir",
                one.dir.resolve("run").toString(), "--workers", "1", "-ip-masq"));
    }

    private String iptables(String table) {
        return one.host.exec(10, "iptables-save", "-t", table).output();
    }
}
