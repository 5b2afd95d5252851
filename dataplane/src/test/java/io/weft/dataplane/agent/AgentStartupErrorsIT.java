package io.weft.dataplane.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each start-up failure of the real {@code weft.jar run} exits non-zero with one readable line that says what to do,
 * or, where waiting is right (no config yet, etcd down), keeps retrying with a message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentStartupErrorsIT {
    private static final String GOOD_CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    @AutoClose
    private OneHostLab one;

    @BeforeAll
    void startLab() throws Exception {
        one = new OneHostLab("wdp-ae-");
    }

    @AfterEach
    void stopAgents() {
        one.stopAgents();
    }

    @BeforeEach
    void resetConfig() {
        one.lab.etcdctl("del", "--prefix", "/coreos.com/network").requireOk();
        one.host.exec(10, "ip", "link", "del", "flannel.1");
    }

    private AgentProcess run(String logName, String... extra) throws Exception {
        return run(logName, List.of(), extra);
    }

    /** Starts {@code weft run} with the lab's defaults, each replaced by a flag of the same name in {@code overrides}. */
    private AgentProcess run(String logName, List<String> prefix, String... overrides) throws Exception {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("-etcd-endpoints", AgentLab.ETCD_URL);
        flags.put("-iface", "eth0");
        flags.put("-subnet-file", one.dir.resolve("subnet.env").toString());
        flags.put("--run-dir", one.dir.resolve("run").toString());
        flags.put("--workers", "1");
        for (int i = 0; i + 1 < overrides.length; i += 2) {
            flags.put(overrides[i], overrides[i + 1]);
        }
        List<String> args = new ArrayList<>(List.of("run"));
        flags.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        return one.start(logName, Map.of(), prefix, args);
    }

    /** The last line is the failure, readable and without a stack trace. */
    private static void assertOneReadableLine(AgentProcess p, String... fragments) {
        String out = p.output();
        assertThat(out).doesNotContain("\tat ").doesNotContain("Exception in thread");
        String[] lines = out.strip().split("\n");
        String last = lines[lines.length - 1];
        assertThat(last).as("last line of:\n" + out).startsWith("weft: ");
        for (String f : fragments) {
            assertThat(last).as("last line of:\n" + out).contains(f);
        }
    }

    @Test
    void missingConfigIsWaitedForWithAMessageThatSaysHowToCreateIt() throws Exception {
        AgentProcess p = run("missing.log");
        p.awaitOutput("no network config at /coreos.com/network/config", 60);
        assertThat(p.output()).contains("etcdctl put").contains("etcd v3 API");
        assertThat(p.process.isAlive()).as("still waiting for the config").isTrue();
        one.lab.putConfig(GOOD_CONFIG);
        p.awaitOutput("weft is up", 60);
        assertThat(p.stop(30)).isIn(0, 143);
    }

    @Test
    void anInvalidConfigIsWaitedOutNamingTheFieldAndTheRuleAsFlanneldRetriesIt() throws Exception {
        one.lab.putConfig("{\"Network\":\"10.244.0.0/16\",\"SubnetLen\":31,\"Backend\":{\"Type\":\"vxlan\"}}");
        AgentProcess p = run("invalid.log");
        p.awaitOutput("(field SubnetLen)", 60);
        String line = p.output().lines().filter(l -> l.contains("(field SubnetLen)")).findFirst().orElseThrow();
        assertThat(line).contains("/coreos.com/network/config").contains("SubnetLen 31").contains("at most 30");
        assertThat(p.process.isAlive()).as("still waiting for a valid config").isTrue();
        one.lab.putConfig(GOOD_CONFIG);
        p.awaitOutput("weft is up", 60);
        assertThat(p.stop(30)).isIn(0, 143);
    }

    @Test
    void aGbpNetworkIsRefusedBecauseItsFramesWouldBeDropped() throws Exception {
        one.lab.putConfig("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"GBP\":true}}");
        AgentProcess p = run("gbp.log");
        assertThat(p.awaitExit(60)).isEqualTo(1);
        assertOneReadableLine(p, "Backend.GBP", "Remove");
    }

    @Test
    void anUnreachableEtcdIsRetriedWithAMessageEveryFewSeconds() throws Exception {
        AgentProcess p = run("unreachable.log", "-etcd-endpoints", "http://10.98.0.254:2999");
        p.awaitOutput("http://10.98.0.254:2999", 60);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        long messages = 0;
        while (messages < 2 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            messages = p.output().lines().filter(l -> l.contains("http://10.98.0.254:2999") && l.contains("still trying")).count();
        }
        assertThat(messages).as("a repeated message:\n" + p.output()).isGreaterThanOrEqualTo(2);
        assertThat(p.process.isAlive()).as("keeps retrying:\n" + p.output()).isTrue();
        p.close();
    }

    @Test
    void aPortHeldByALeftoverFlannelDeviceIsNamedWithTheSettingThatChangesIt() throws Exception {
        one.lab.putConfig(GOOD_CONFIG);
        one.host.ip("link", "add", "flannel.1", "type", "vxlan", "id", "1", "dev", "eth0", "dstport", "8472", "nolearning");
        one.host.ip("link", "set", "flannel.1", "up");
        AgentProcess p = run("port.log");
        assertThat(p.awaitExit(60)).isEqualTo(1);
        assertOneReadableLine(p, "8472", "flannel.1", "Backend");
        assertThat(one.lab.etcdctl("get", "--prefix", "/coreos.com/network/subnets", "--keys-only").output().trim())
                .as("no lease is taken by a host that cannot forward").isEmpty();
    }

    @Test
    void noInterfaceMatchingIfaceIsNamed() throws Exception {
        one.lab.putConfig(GOOD_CONFIG);
        AgentProcess p = run("iface.log", "-iface", "eth9");
        assertThat(p.awaitExit(60)).isEqualTo(1);
        assertOneReadableLine(p, "no interface matches -iface eth9", "eth0 10.98.0.1");
    }

    @Test
    void anIpv6ConfigWithoutIpv6NetworkIsWaitedOutNamingTheFieldAndNothingIsTaken() throws Exception {
        one.lab.putConfig("{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true,\"Backend\":{\"Type\":\"vxlan\"}}");
        AgentProcess p = run("no-ipv6-network.log");
        p.awaitOutput("(field IPv6Network)", 60);
        String line = p.output().lines().filter(l -> l.contains("(field IPv6Network)")).findFirst().orElseThrow();
        assertThat(line).contains("/coreos.com/network/config").contains("IPv6Network: required when EnableIPv6 is true");
        assertThat(p.process.isAlive()).as("still waiting for a valid config").isTrue();
        assertThat(leaseKeys()).as("no lease while the config is invalid").isEmpty();
        one.lab.putConfig(GOOD_CONFIG);
        p.awaitOutput("weft is up", 60);
        assertThat(p.stop(30)).isIn(0, 143);
    }

    @Test
    void anIpv6OnlyNetworkOnAnInterfaceWithoutIpv6IsOneLineAndNothingIsTaken() throws Exception {
        one.lab.putConfig("{\"EnableIPv4\":false,\"EnableIPv6\":true,\"IPv6Network\":\"fd00:20:244::/56\","
                + "\"Backend\":{\"Type\":\"vxlan\"}}");
        // no IPv6 at all on the underlay, not even a link-local address
        one.host.exec(10, "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=1").requireOk();
        try {
            AgentProcess p = run("no-ipv6.log");
            assertThat(p.awaitExit(60)).isEqualTo(1);
            assertOneReadableLine(p, "interface eth0 has no usable IPv6 address", "IPv6-only", "-iface");
            assertThat(leaseKeys()).as("no lease without an IPv6 underlay").isEmpty();
        } finally {
            one.host.exec(10, "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=0").requireOk();
        }
    }

    private String leaseKeys() {
        return one.lab.etcdctl("get", "--prefix", "/coreos.com/network/subnets", "--keys-only").output().trim();
    }

    @Test
    void aMissingTunDeviceSaysHowToGetIt() throws Exception {
        one.lab.putConfig(GOOD_CONFIG);
        // A private mount namespace where /dev/net is an empty tmpfs: the host has no /dev/net/tun.
        AgentProcess p = run("tun.log", List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs tmpfs /dev/net && exec \"$@\"", "sh"));
        assertThat(p.awaitExit(60)).isEqualTo(1);
        assertOneReadableLine(p, "/dev/net/tun", "modprobe tun");
    }

    @Test
    void notRootIsRefusedWithWhatToDo() throws Exception {
        one.lab.putConfig(GOOD_CONFIG);
        AgentProcess p = run("root.log", List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all"));
        assertThat(p.awaitExit(60)).isEqualTo(1);
        assertOneReadableLine(p, "needs root or CAP_NET_ADMIN");
    }
}
