package io.weft.dataplane.agent;

import io.weft.labkit.process.Cmd;
import io.weft.fdb.Subnet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real {@code weft.jar run} started with command lines, environments and network configs that flanneld takes,
 * in a namespace with a real etcd: each gets past parsing and does what flanneld would (the interface it picks, the
 * rules it installs, the lease it publishes), including flannel's nftables mode on a host without iptables.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DropInIT {
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    private static final String NFT_CONFIG = "{\"Network\":\"10.244.0.0/16\",\"EnableNFTables\":true,\"Backend\":{\"Type\":\"vxlan\"}}";
    @AutoClose
    private OneHostLab one;

    @BeforeAll
    void startLab() throws Exception {
        one = new OneHostLab("wdp-di-");
        // a default route through the switch, as a real host has one (the lab's etcd address stands in for the router)
        one.host.ip("route", "add", "default", "via", AgentLab.ETCD_IP);
    }

    @AfterEach
    void stopAgents() {
        one.stopAgents();
    }

    @BeforeEach
    void reset() {
        one.lab.etcdctl("del", "--prefix", "/coreos.com/network").requireOk();
        one.lab.putConfig(CONFIG);
        one.host.exec(10, "nft", "delete", "table", "ip", "flannel-ipv4");
        one.host.exec(10, "ip", "route", "flush", "type", "blackhole");
        // an agent killed by the previous test leaves its rules, as a SIGKILLed flanneld does
        for (String table : List.of("nat", "filter")) {
            one.host.exec(10, "iptables", "-t", table, "-F").requireOk();
            one.host.exec(10, "iptables", "-t", table, "-X").requireOk();
        }
    }

    /** {@code weft run} with only the lab's etcd and files; everything else as the flanneld spelling gives it. */
    private AgentProcess run(String logName, Map<String, String> env, String... flanneldArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-etcd-endpoints", AgentLab.ETCD_URL,
                "-subnet-file", one.dir.resolve("subnet.env").toString(), "--run-dir", one.dir.resolve("run").toString(),
                "--workers", "1"));
        args.addAll(List.of(flanneldArgs));
        return one.start(logName, env, List.of(), args);
    }

    private AgentProcess runUp(String logName, Map<String, String> env, String... flanneldArgs) throws Exception {
        AgentProcess p = run(logName, env, flanneldArgs);
        p.awaitOutput("weft is up", 90);
        return p;
    }

    private String iptables(String table) {
        return one.host.exec(10, "iptables-save", "-t", table).output();
    }

    private String nftTable() {
        Cmd.Result r = one.host.exec(10, "nft", "list", "table", "ip", "flannel-ipv4");
        return r.ok() ? r.output() : "";
    }

    /** Our lease's subnet, e.g. 10.244.98.0/24 (subnet.env's FLANNEL_SUBNET holds the gateway form 10.244.98.1/24). */
    private String subnet() throws Exception {
        return Subnet.parseLenient(AgentLab.subnetEnvValue(one.dir.resolve("subnet.env"), "FLANNEL_SUBNET")).toString();
    }

    @Test
    void goBooleansRegexesKlogAndDefaultValuedFlagsOfAStockFlanneldUnit() throws Exception {
        AgentProcess p = runUp("flags.log", Map.of(), "-ip-masq=1", "-iface-regex", "^eth[0-9]{1,2}$",
                "-ip-masq-fully-random-disable=false", "-set-node-network-unavailable=true", "-kube-subnet-mgr=false",
                "-iptables-forward-rules=T", "-v=2", "-vmodule=main=3", "-log_backtrace_at=main.go:1", "-logtostderr",
                "-alsologtostderr=false", "-stderrthreshold=INFO");
        assertThat(p.output()).contains("underlay interface eth0 (10.98.0.1");
        assertThat(iptables("nat")).contains("-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG")
                .contains("-j MASQUERADE --random-fully");
        assertThat(iptables("filter")).contains("-A FORWARD -m comment --comment \"flanneld forward\" -j FLANNEL-FWD");
        assertThat(AgentLab.subnetEnvValue(one.dir.resolve("subnet.env"), "FLANNEL_IPMASQ")).isEqualTo("true");
        assertThat(p.output()).as("-v=2 is debug").contains("DEBUG");
    }

    @Test
    void flanneldEnvironmentWithGoBooleansAndABadValueThatIsIgnored() throws Exception {
        AgentProcess p = runUp("env.log", Map.of("FLANNELD_IP_MASQ", "T", "FLANNELD_IPTABLES_FORWARD_RULES", "0",
                "FLANNELD_IFACE_REGEX", "^eth[0-9]{1,2}$", "FLANNELD_IP_MASQ_FULLY_RANDOM_DISABLE", "1",
                "FLANNELD_HEALTHZ_PORT", "84x1"));
        assertThat(p.output()).contains("ignoring FLANNELD_HEALTHZ_PORT=84x1: not a whole number; using -healthz-port 0");
        assertThat(iptables("nat")).contains("FLANNEL-POSTRTG").contains("-j MASQUERADE")
                .doesNotContain("--random-fully");
        assertThat(iptables("filter")).doesNotContain("FLANNEL-FWD");
    }

    @Test
    void anIfaceThatMatchesNothingFallsThroughToTheRegexThenCanReach() throws Exception {
        AgentProcess p = runUp("fallthrough.log", Map.of(), "-iface", "eth9", "-iface-regex", "^wlan", "-iface-can-reach",
                AgentLab.ETCD_IP);
        assertThat(p.output()).contains("no interface matches -iface eth9").contains("no interface matches -iface-regex ^wlan")
                .contains("-iface-can-reach " + AgentLab.ETCD_IP + ": the route goes out of eth0 (10.98.0.1)")
                .contains("underlay interface eth0 (10.98.0.1");
    }

    @Test
    void aPublicIpThatIsNotLocalUsesTheDefaultRouteInterfaceAndIsAdvertised() throws Exception {
        AgentProcess p = runUp("publicip.log", Map.of(), "-public-ip", "203.0.113.9");
        assertThat(p.output()).contains("-public-ip 203.0.113.9 is not an address of this host")
                .contains("underlay interface eth0 (10.98.0.1");
        String lease = one.lab.etcdctl("get", "--prefix", "--print-value-only", "/coreos.com/network/subnets").output();
        assertThat(lease).contains("\"PublicIP\":\"203.0.113.9\"");
    }

    @Test
    void theBlackholeRouteIsKeptForOurSubnet() throws Exception {
        runUp("blackhole.log", Map.of(), "-iface", "eth0", "-ip-blackhole-route");
        String subnet = subnet();
        assertThat(one.host.exec(10, "ip", "route", "show", "type", "blackhole").output()).contains("blackhole " + subnet);
        one.host.ip("route", "del", "blackhole", subnet);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!one.host.exec(10, "ip", "route", "show", "type", "blackhole").output().contains(subnet)
                && System.nanoTime() < deadline) {
            Thread.sleep(300);
        }
        assertThat(one.host.exec(10, "ip", "route", "show", "type", "blackhole").output()).as("put back at the next resync")
                .contains("blackhole " + subnet);
    }

    @Test
    void healthzAnswersWhileAConfigWithoutBackendIsWaitedOut() throws Exception {
        one.lab.putConfig("{\"Network\":\"10.244.0.0/16\"}");
        AgentProcess p = run("nobackend.log", Map.of(), "-iface", "eth0", "-healthz-port", "8471",
                "-healthz-ip", "127.0.0.1");
        p.awaitOutput("(field Backend)", 60);
        assertThat(p.output()).contains("udp backend, which weft does not implement")
                .contains("set \"Backend\": {\"Type\": \"vxlan\"}");
        assertThat(one.host.exec(10, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:8471/healthz").output())
                .isEqualTo("200");
        assertThat(one.host.exec(10, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:8471/readyz").output())
                .isEqualTo("503");
        Cmd.Result doctor = one.host.exec(60, Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                AgentLab.JAR.toString(), "doctor", "-etcd-endpoints", AgentLab.ETCD_URL, "-iface", "eth0", "--run-dir",
                one.dir.resolve("run").toString(), "--probe-wait", "1");
        assertThat(doctor.output()).contains("/coreos.com/network/config is invalid").contains("Backend");
        one.lab.putConfig(CONFIG);
        p.awaitOutput("weft is up", 60);
        assertThat(one.host.exec(10, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:8471/readyz").output())
                .isEqualTo("200");
    }

    /** What flanneld's pkg/trafficmngr/nftables creates for -ip-masq and -iptables-forward-rules, as nft lists it. */
    static String flanneldRuleSet(String pod, String masquerade) {
        String net = "10.244.0.0/16";
        return String.join("\n",
                "table ip flannel-ipv4 {",
                "\tcomment \"rules for flannel-ipv4\"",
                "\tchain postrtg {",
                "\t\tcomment \"chain to manage traffic masquerading by flannel\"",
                "\t\ttype nat hook postrouting priority srcnat; policy accept;",
                "\t\tmeta mark 0x00004000 return",
                "\t\tip saddr " + pod + " ip daddr " + net + " return",
                "\t\tip saddr " + net + " ip daddr " + pod + " return",
                "\t\tip saddr != " + pod + " ip daddr " + net + " return",
                "\t\tip saddr " + net + " ip daddr != 224.0.0.0/4 " + masquerade,
                "\t\tip saddr != " + net + " ip daddr " + net + " " + masquerade,
                "\t}",
                "",
                "\tchain forward {",
                "\t\tcomment \"chain to accept flannel traffic\"",
                "\t\ttype filter hook forward priority filter; policy accept;",
                "\t\tip saddr " + net + " accept",
                "\t\tip daddr " + net + " accept",
                "\t}",
                "}",
                "");
    }

    @Test
    void nftablesModeWritesFlanneldsTableRemovesIptablesLeftoversAndIptablesModeRemovesTheTable() throws Exception {
        // leftovers of flanneld's iptables mode
        one.host.exec(10, "iptables", "-t", "nat", "-N", "FLANNEL-POSTRTG").requireOk();
        one.host.exec(10, "iptables", "-t", "nat", "-A", "POSTROUTING", "-m", "comment", "--comment", "flanneld masq",
                "-j", "FLANNEL-POSTRTG").requireOk();
        one.lab.putConfig(NFT_CONFIG);
        AgentProcess p = runUp("nft.log", Map.of(), "-iface", "eth0", "-ip-masq");
        String subnet = subnet();
        assertThat(nftTable()).isEqualTo(flanneldRuleSet(subnet, "masquerade fully-random"));
        // flanneld's Init makes both tables; without IPv6 the IPv6 one has no chains
        assertThat(one.host.exec(10, "nft", "list", "table", "ip6", "flannel-ipv6").requireOk().output())
                .isEqualTo("table ip6 flannel-ipv6 {\n\tcomment \"rules for flannel-ipv6\"\n}\n");
        assertThat(iptables("nat")).doesNotContain("FLANNEL-POSTRTG");
        assertThat(iptables("filter")).doesNotContain("FLANNEL-FWD");

        // flushed by someone else: written again at the next resync
        one.host.exec(10, "nft", "flush", "chain", "ip", "flannel-ipv4", "postrtg").requireOk();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!nftTable().contains("masquerade fully-random") && System.nanoTime() < deadline) {
            Thread.sleep(300);
        }
        assertThat(nftTable()).isEqualTo(flanneldRuleSet(subnet, "masquerade fully-random"));
        assertThat(p.stop(30)).isIn(0, 143);
        assertThat(nftTable()).as("kept across a stop, as flanneld keeps it").isEqualTo(flanneldRuleSet(subnet, "masquerade fully-random"));
        Cmd.Result cleanup = one.host.exec(60, Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                AgentLab.JAR.toString(), "cleanup", "--run-dir", one.dir.resolve("run").toString());
        assertThat(cleanup.output()).contains("removed nftables table ip flannel-ipv4")
                .contains("nftables table ip6 flannel-ipv6");
        assertThat(nftTable()).as("removed by weft cleanup, with weft's other host setup").isEmpty();

        // -ip-masq-fully-random-disable
        AgentProcess q = runUp("nft-nofully.log", Map.of(), "-iface", "eth0", "-ip-masq", "-ip-masq-fully-random-disable");
        assertThat(nftTable()).isEqualTo(flanneldRuleSet(subnet, "masquerade"));
        assertThat(q.stop(30)).isIn(0, 143);

        // iptables mode deletes a leftover flannel-ipv4 table, as flanneld does
        Path script = one.dir.resolve("leftover.nft");
        Files.writeString(script, "add table ip flannel-ipv4\nadd table ip6 flannel-ipv6\n");
        one.host.exec(10, "nft", "-f", script.toString()).requireOk();
        one.lab.putConfig(CONFIG);
        AgentProcess r = runUp("ipt.log", Map.of(), "-iface", "eth0", "-ip-masq");
        assertThat(nftTable()).isEmpty();
        assertThat(one.host.exec(10, "nft", "list", "table", "ip6", "flannel-ipv6").ok()).isFalse();
        assertThat(iptables("nat")).contains("FLANNEL-POSTRTG");
        assertThat(r.stop(30)).isIn(0, 143);
    }

    @Test
    void nftablesModeRunsOnAHostWithoutIptables() throws Exception {
        // A PATH with what weft runs (ip, nft, ss) and no iptables, as on Debian 13 or Rocky 10 without the iptables package.
        Path bin = one.dir.resolve("bin-no-iptables");
        Files.createDirectories(bin);
        for (String tool : List.of("ip", "nft", "ss")) {
            Path target = Path.of(Cmd.run(10, "sh", "-c", "command -v " + tool).output().trim());
            Files.deleteIfExists(bin.resolve(tool));
            Files.createSymbolicLink(bin.resolve(tool), target);
        }
        one.lab.putConfig(NFT_CONFIG);
        AgentProcess p = runUp("noipt.log", Map.of("PATH", bin.toString()), "-iface", "eth0", "-ip-masq");
        assertThat(p.output()).contains("no iptables on this host").doesNotContain("iptables could not be run");
        assertThat(nftTable()).isEqualTo(flanneldRuleSet(subnet(), "masquerade fully-random"));
        assertThat(p.stop(30)).isIn(0, 143);
    }
}
