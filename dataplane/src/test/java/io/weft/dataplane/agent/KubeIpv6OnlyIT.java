package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
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
 * {@code weft run -kube-subnet-mgr} on an IPv6-only cluster ({@code "EnableIPv4": false} in net-conf.json) whose API
 * server is fabric8's mock in CRUD mode: two weft nodes whose {@code spec.podCIDRs} hold one IPv6 CIDR each, as an
 * IPv6-only controller-manager assigns them, with IPv6 InternalIPs and pods that have IPv6 only. Node h2's external
 * interface has no IPv4 address (the API server is reached over another one) and its agent is given no {@code -iface}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeIpv6OnlyIT {
    private static final String[] NODES = {"h1", "h2"};

    @AutoClose
    private KubeLab kube;
    private final String[] pod6 = new String[2];

    @BeforeAll
    void startCluster() throws Exception {
        kube = new KubeLab("wdp-k6-", "{\"EnableIPv4\":false,\"EnableIPv6\":true,"
                + "\"IPv6Network\":\"fd00:10:244::/56\",\"Backend\":{\"Type\":\"vxlan\"}}");
        AgentLab lab = kube.lab;
        DualStackLab.addUnderlay6(lab.addHost("h1", 1), 1);
        lab.addHost("h2", 2);
        DualStackLab.makeUnderlayIpv6Only(lab, "h2", 2);
        for (int n = 1; n <= NODES.length; n++) {
            kube.createNode(MockKubeRequests.node("h" + n, DualStackLab.UNDERLAY6 + n, "fd00:10:244:" + n + "::/64"));
        }
        AgentProcess[] agents = {kube.startWeft("h1", "-iface", "eth0", "-ip-masq"), kube.startWeft("h2", "-ip-masq")};
        for (AgentProcess a : agents) {
            a.awaitOutput("weft is up", 90);
        }
        for (int i = 0; i < NODES.length; i++) {
            DualStackLab.addV6OnlyPod(lab, NODES[i]);
            pod6[i] = DualStackLab.addPodV6(lab, NODES[i]);
        }
    }

    @Test
    @Order(1)
    void weftWritesFlanneldsIpv6OnlyAnnotationsAndSubnetEnv() throws Exception {
        for (int n = 1; n <= NODES.length; n++) {
            JsonNode a = kube.annotations("h" + n);
            // flanneld's IPv6-only lease has null IPv4 backend data and no public IP: neither annotation is written
            assertThat(a.has(P + "backend-data")).as("backend-data on h" + n + ": " + a).isFalse();
            assertThat(a.has(P + "public-ip")).as("public-ip on h" + n + ": " + a).isFalse();
            assertThat(a.path(P + "backend-type").asText()).isEqualTo("vxlan");
            assertThat(a.path(P + "public-ipv6").asText()).isEqualTo(DualStackLab.UNDERLAY6 + n);
            assertThat(a.path(P + "backend-v6-data").asText()).matches("\\{\"VNI\":1,\"VtepMAC\":\"[0-9a-f]{2}(:[0-9a-f]{2}){5}\"}");
            assertThat(Files.readString(kube.lab.hostDir("h" + n).resolve("subnet.env")))
                    .isEqualTo("FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:10:244:" + n + "::1/64\n"
                            + "FLANNEL_MTU=1430\nFLANNEL_IPMASQ=true\n");
        }
    }

    @Test
    @Order(2)
    void bothPodsReachEachOtherWithPingAndTcpOverIpv6() throws Exception {
        DualStackLab.assertEveryPodPair(kube.lab, NODES, 7950, pod6);
    }

    @Test
    @Order(3)
    void theNodeWithoutIpv4OnItsUnderlayChoseItByIpv6() throws Exception {
        assertThat(Files.readString(kube.lab.hostDir("h2").resolve("weft.log")))
                .contains("underlay interface eth0 (MTU 1500), chosen by IPv6");
        assertThat(kube.lab.host("h2").exec(20, "ss", "-H", "-u", "-l", "-n", "-4", "sport", "=", ":8472").requireOk()
                .output()).as("no IPv4 VXLAN socket").isBlank();
    }
}
