package io.weft.dataplane.agent;

import io.weft.labkit.netns.Netns;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * flannel's dual-stack network with the real {@code weft.jar}: two weft hosts and a dual-stack flanneld-style host
 * (scripts/lab/mini-flanneld with {@code flannel.1} and {@code flannel-v6.1}) on one etcd, each with a pod that has an
 * IPv4 and an IPv6 address. Veth offloads stay at their defaults.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DualStackClusterIT {
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true,"
            + "\"IPv6Network\":\"fd00:10:244::/56\",\"Backend\":{\"Type\":\"vxlan\"}}";
    private static final String[] HOSTS = {"h1", "h2", "k3"};
    @AutoClose
    private AgentLab lab;
    private final AgentProcess[] agents = new AgentProcess[2];
    private final String[] pod4 = new String[3];
    private final String[] pod6 = new String[3];

    @BeforeAll
    void startCluster() throws Exception {
        lab = new AgentLab("wdp-ds-");
        lab.startEtcd();
        lab.putConfig(CONFIG);
        for (int i = 0; i < HOSTS.length; i++) {
            DualStackLab.addUnderlay6(lab.addHost(HOSTS[i], i + 1), i + 1);
        }
        agents[0] = lab.startWeft("h1", "-ip-masq");
        agents[1] = lab.startWeft("h2", "-public-ipv6", DualStackLab.UNDERLAY6 + 2);
        lab.startMiniFlanneld("k3", lab.hostDir("k3").resolve("subnet.env"));
        for (AgentProcess a : agents) {
            a.awaitOutput("weft is up", 90);
        }
        for (int i = 0; i < HOSTS.length; i++) {
            pod4[i] = lab.addPodFromSubnetEnv(HOSTS[i]);
            pod6[i] = DualStackLab.addPodV6(lab, HOSTS[i]);
        }
    }

    @Test
    @Order(1)
    void theLeaseIsFlannelsDualStackLeaseWithItsOwnIpv6VtepMac() throws Exception {
        String v4 = AgentLab.subnetEnvValue(env("h1"), "FLANNEL_SUBNET").replace(".1/24", ".0-24");
        String v6 = AgentLab.subnetEnvValue(env("h1"), "FLANNEL_IPV6_SUBNET").replace("::1/64", "::-64");
        String key = "/coreos.com/network/subnets/" + v4 + "&" + v6;
        assertThat(DualStackLab.leaseKeys(lab)).contains(key).hasSize(3)
                .allMatch(k -> k.matches(".*/10\\.244\\.\\d+\\.0-24&fd00:10:244:[0-9a-f]*::-64"));
        String value = lab.etcdctl("get", key, "--print-value-only").requireOk().output().trim();
        assertThat(value).matches("\\{\"PublicIP\":\"10\\.98\\.0\\.1\",\"PublicIPv6\":\"fd98::1\",\"BackendType\":\"vxlan\","
                + "\"BackendData\":\\{\"VNI\":1,\"VtepMAC\":\"([0-9a-f:]{17})\"},"
                + "\"BackendV6Data\":\\{\"VNI\":1,\"VtepMAC\":\"(?!\\1)[0-9a-f:]{17}\"}}");
    }

    @Test
    @Order(2)
    void subnetEnvHasTheIpv6LinesInFlanneldsOrder() throws Exception {
        assertThat(Files.readString(env("h1"))).matches("FLANNEL_NETWORK=10\\.244\\.0\\.0/16\nFLANNEL_SUBNET=10\\.244\\.\\d+\\.1/24\n"
                + "FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:10:244:[0-9a-f]*::1/64\n"
                + "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
    }

    @Test
    @Order(3)
    void theTunCarriesBothFamiliesWithTheIpv6RouteTwentyBytesSmaller() throws Exception {
        String v6Subnet = AgentLab.subnetEnvValue(env("h1"), "FLANNEL_IPV6_SUBNET").replace("::1/64", "::");
        Netns h1 = lab.host("h1");
        assertThat(h1.exec(20, "ip", "-6", "addr", "show", "dev", "weft.1").requireOk().output())
                .contains("inet6 " + v6Subnet + "/128");
        assertThat(h1.exec(20, "ip", "-6", "route", "show", "dev", "weft.1").requireOk().output())
                .contains("fd00:10:244::/56 ").contains("src " + v6Subnet).contains("mtu 1430");
        assertThat(h1.exec(20, "ip", "route", "show", "dev", "weft.1").requireOk().output()).contains("10.244.0.0/16");
        assertThat(h1.exec(20, "ip", "-o", "link", "show", "weft.1").requireOk().output()).contains("mtu 1450");
    }

    @Test
    @Order(4)
    void ip6tablesHasFlanneldsIpv6Rules() {
        String nat = lab.host("h1").exec(20, "ip6tables", "-t", "nat", "-S", "FLANNEL-POSTRTG").requireOk().output();
        assertThat(nat).contains("-A FLANNEL-POSTRTG -s fd00:10:244::/56 ! -d ff00::/8 -m comment --comment \"flanneld masq\""
                + " -j MASQUERADE");
        String fwd = lab.host("h2").exec(20, "ip6tables", "-S", "FLANNEL-FWD").requireOk().output();
        assertThat(fwd).contains("-A FLANNEL-FWD -s fd00:10:244::/56 -m comment --comment \"flanneld forward\" -j ACCEPT");
    }

    @Test
    @Order(5)
    void everyPodPairCarriesPingAndTcpOverIpv4AndIpv6() throws Exception {
        DualStackLab.assertEveryPodPair(lab, HOSTS, 7900, pod4, pod6);
    }

    @Test
    @Order(6)
    void weftPeersAndRoutesShowTheIpv6Peers() throws Exception {
        String run = lab.hostDir("h1").resolve("run").toString();
        String k3v6 = AgentLab.subnetEnvValue(env("k3"), "FLANNEL_IPV6_SUBNET").replace("::1/64", "::/64");
        assertThat(lab.weftCli("h1", "peers", "--run-dir", run).output()).contains(k3v6).contains("fd98::3")
                .contains("fd98::2").contains("routed");
        assertThat(lab.weftCli("h1", "routes", "--run-dir", run).output()).contains("fd00:10:244::/56 dev weft.1")
                .contains("mtu 1430").contains(k3v6 + " via ").contains("onlink peer [fd98::3]:8472");
        assertThat(lab.weftCli("h1", "stats", "--run-dir", run).output()).containsPattern("publicIpv6 +fd98::1")
                .containsPattern("ipv6Mtu +1430");
    }

    /**
     * A dual-stack peer is probed over both underlays: h1's {@code weft peers --json} has the IPv4 half (over
     * 10.98.0.x) and the IPv6 half (over fd98::x) of both peers answered, each with its own RTT.
     */
    @Test
    @Order(7)
    void bothHalvesOfEveryDualStackPeerAnswerTheProbes() throws Exception {
        com.fasterxml.jackson.databind.JsonNode peers = DualStackLab.awaitProbesAnswered(lab, "h1", 2, "reachability",
                "ipv6Reachability");
        assertThat(peers).as("h1's peers: %s", peers).hasSize(2);
        for (com.fasterxml.jackson.databind.JsonNode p : peers) {
            assertThat(p.path("reachability").asText()).as("the IPv4 half: %s", p).isEqualTo("reachable");
            assertThat(p.path("ipv6Reachability").asText()).as("the IPv6 half: %s", p).isEqualTo("reachable");
            assertThat(p.path("rttMs").isNumber() && p.path("ipv6RttMs").isNumber()).as("%s", p).isTrue();
            assertThat(p.path("ipv6ProbesAnswered").asLong()).as("%s", p).isPositive();
        }
    }

    private Path env(String host) throws Exception {
        return lab.hostDir(host).resolve("subnet.env");
    }
}
