package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;

import static io.weft.dataplane.agent.KubeLab.P;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code weft run -kube-subnet-mgr} with a dual-stack net-conf.json ({@code EnableIPv6}) on a cluster whose API
 * server is fabric8's mock in CRUD mode: two weft nodes whose {@code spec.podCIDRs} hold an IPv4 and an IPv6 CIDR, as
 * a dual-stack controller-manager assigns them, and a kernel node (k3, scripts/lab/mini-flanneld-kube: flanneld's kube
 * mode with flannel.1 and flannel-v6.1), each with a pod that has both families. Veth offloads stay at their defaults.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeDualStackIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] NODES = {"h1", "h2", "k3"};

    @AutoClose
    private KubeLab kube;
    private AgentLab lab;
    private final String[] pod4 = new String[3];
    private final String[] pod6 = new String[3];

    @BeforeAll
    void startCluster() throws Exception {
        kube = new KubeLab("wdp-kd-", "{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true,"
                + "\"IPv6Network\":\"fd00:10:244::/56\",\"Backend\":{\"Type\":\"vxlan\"}}");
        lab = kube.lab;
        for (int i = 0; i < NODES.length; i++) {
            int n = i + 1;
            DualStackLab.addUnderlay6(lab.addHost(NODES[i], n), n);
            kube.createNode(MockKubeRequests.node(NODES[i], "10.98.0." + n, "10.244." + n + ".0/24",
                    "fd00:10:244:" + n + "::/64"));
        }
        kube.startMiniFlanneldKube("k3");
        AgentProcess[] agents = {kube.startWeft("h1", "-iface", "eth0", "-ip-masq"),
                kube.startWeft("h2", "-iface", "eth0", "-ip-masq")};
        for (AgentProcess a : agents) {
            a.awaitOutput("weft is up", 90);
        }
        for (int i = 0; i < NODES.length; i++) {
            pod4[i] = lab.addPodFromSubnetEnv(NODES[i]);
            pod6[i] = DualStackLab.addPodV6(lab, NODES[i]);
        }
    }

    @Test
    @Order(1)
    void weftWritesFlanneldsIpv6AnnotationsBesideTheIpv4Ones() throws Exception {
        JsonNode a = kube.annotations("h1");
        assertThat(a.path(P + "public-ip").asText()).isEqualTo("10.98.0.1");
        assertThat(a.path(P + "public-ipv6").asText()).isEqualTo("fd98::1");
        String v4 = a.path(P + "backend-data").asText();
        String v6 = a.path(P + "backend-v6-data").asText();
        assertThat(v6).matches("\\{\"VNI\":1,\"VtepMAC\":\"[0-9a-f]{2}(:[0-9a-f]{2}){5}\"}");
        // flanneld's flannel-v6.1 has a MAC of its own
        assertThat(JSON.readTree(v6).path("VtepMAC").asText()).isNotEqualTo(JSON.readTree(v4).path("VtepMAC").asText());
        assertThat(Files.readString(lab.hostDir("h1").resolve("subnet.env"))).isEqualTo("FLANNEL_NETWORK=10.244.0.0/16\n"
                + "FLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_IPV6_NETWORK=fd00:10:244::/56\n"
                + "FLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
    }

    @Test
    @Order(2)
    void theKernelNodeIsAnnotatedAsFlanneldAnnotatesADualStackNode() throws Exception {
        JsonNode a = kube.annotations("k3");
        assertThat(a.path(P + "public-ip").asText()).isEqualTo("10.98.0.3");
        assertThat(a.path(P + "public-ipv6").asText()).isEqualTo("fd98::3");
        assertThat(a.path(P + "backend-v6-data").asText()).matches("\\{\"VNI\":1,\"VtepMAC\":\"[0-9a-f]{2}(:[0-9a-f]{2}){5}\"}");
        assertThat(lab.host("k3").exec(20, "ip", "-d", "link", "show", "flannel-v6.1").requireOk().output())
                .contains("vxlan id 1").contains("local fd98::3");
    }

    @Test
    @Order(3)
    void everyPodPairReachesEachOtherWithPingAndTcpOverIpv4AndIpv6WeftAndKernelBothWays() throws Exception {
        DualStackLab.assertEveryPodPair(lab, NODES, 7950, pod4, pod6);
    }

    @Test
    @Order(4)
    void weftPeersShowTheOtherNodesIpv6Half() throws Exception {
        String peers = lab.weftCli("h1", "peers", "--run-dir", lab.hostDir("h1").resolve("run").toString()).output();
        assertThat(peers).contains("fd00:10:244:2::/64").contains("fd98::2").contains("fd00:10:244:3::/64")
                .contains("fd98::3");
    }
}
