package io.weft.dataplane.agent;

import io.weft.labkit.netns.NatGateway;
import io.weft.labkit.netns.Netns;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A dual-stack cluster as clouds build one: IPv4 behind 1:1 NAT ({@link NatGateway}: the same private address on every
 * host, peers reach it only at the NAT's public address), IPv6 not NATed (each host's own global address, routed by
 * its gateway). h1 and h2 are weft behind NATs ({@code -public-ip} the NAT's address, PublicIPv6 the host's own), k3 a
 * flanneld-style kernel host behind a NAT, and p4 a weft host with public addresses of both families on the switch.
 * Veth offloads stay at their defaults.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NatIpv6ClusterIT {
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true,"
            + "\"IPv6Network\":\"fd00:30:244::/56\",\"Backend\":{\"Type\":\"vxlan\"}}";
    private static final String[] HOSTS = {"h1", "h2", "k3", "p4"};
    private static final int PUBLIC_HOST = 3;
    @AutoClose
    private AgentLab lab;
    private final NatGateway[] gateways = new NatGateway[PUBLIC_HOST];
    private final String[] pod4 = new String[HOSTS.length];
    private final String[] pod6 = new String[HOSTS.length];
    private final List<AgentProcess> agents = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        lab = new AgentLab("wdp-n6-");
        lab.startEtcd();
        lab.putConfig(CONFIG);
        List<Netns> onSwitch = new ArrayList<>();
        for (int i = 0; i < PUBLIC_HOST; i++) {
            gateways[i] = lab.addHostBehindNat(HOSTS[i], i + 1);
            onSwitch.add(gateways[i].gateway());
        }
        Netns p4 = lab.addHost("p4", 4);
        onSwitch.add(p4);
        DualStackLab.addUnderlay6(p4, 4);
        for (int i = 0; i < PUBLIC_HOST; i++) {
            // every gateway's switch side first: the routes below go through them
            gateways[i].gateway().ip("-6", "addr", "add", gatewayOnSwitch(i + 1) + "/64", "dev", "eth0", "nodad");
        }
        for (int i = 0; i < PUBLIC_HOST; i++) {
            routeIpv6Through(gateways[i], i + 1, onSwitch);
        }
        agents.add(lab.startWeft("h1", "-public-ip", gateways[0].publicIp()));
        agents.add(lab.startWeft("h2", "-public-ip", gateways[1].publicIp()));
        lab.startMiniFlanneld("k3", lab.hostDir("k3").resolve("subnet.env"), "--public-ip", gateways[2].publicIp());
        agents.add(lab.startWeft("p4"));
        for (AgentProcess a : agents) {
            a.awaitOutput("weft is up", 120);
        }
        for (int i = 0; i < HOSTS.length; i++) {
            pod4[i] = lab.addPodFromSubnetEnv(HOSTS[i]);
            pod6[i] = DualStackLab.addPodV6(lab, HOSTS[i]);
        }
    }

    /**
     * The host behind gateway {@code n} gets the global address {@code fd97:<n>::2}, routed (not NATed) by its gateway,
     * whose switch side is {@code fd98::1<n>}; everything on the switch routes {@code fd97:<n>::/64} to that gateway.
     */
    private static void routeIpv6Through(NatGateway g, int n, List<Netns> onSwitch) {
        String site = "fd97:" + n + "::";
        String gwOnSwitch = gatewayOnSwitch(n);
        g.gateway().ip("-6", "addr", "add", site + "1/64", "dev", "eth1", "nodad");
        g.gateway().exec(20, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1").requireOk();
        g.host().ip("-6", "addr", "add", site + "2/64", "dev", "eth0", "nodad");
        g.host().ip("-6", "route", "add", "default", "via", site + "1");
        g.host().exec(20, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1").requireOk();
        for (Netns ns : onSwitch) {
            if (ns != g.gateway()) {
                ns.ip("-6", "route", "add", site + "/64", "via", gwOnSwitch);
            }
        }
    }

    private static String gatewayOnSwitch(int n) {
        return DualStackLab.UNDERLAY6 + "1" + n;
    }

    @Test
    @Order(1)
    void leasesAdvertiseTheNatsIpv4AddressAndTheHostsOwnIpv6Address() {
        String all = lab.etcdctl("get", "--prefix", "/coreos.com/network/subnets").requireOk().output();
        for (int i = 0; i < PUBLIC_HOST; i++) {
            assertThat(all).contains("\"PublicIP\":\"" + gateways[i].publicIp() + "\",\"PublicIPv6\":\"fd97:" + (i + 1) + "::2\"");
        }
        assertThat(all).contains("\"PublicIP\":\"10.98.0.4\",\"PublicIPv6\":\"fd98::4\"");
        assertThat(DualStackLab.leaseKeys(lab)).hasSize(HOSTS.length);
    }

    @Test
    @Order(2)
    void everyPodPairCarriesPingAndTcpOverIpv4ThroughTheNatsAndOverIpv6Directly() throws Exception {
        DualStackLab.assertEveryPodPair(lab, HOSTS, 7980, pod4, pod6);
        for (int i = 0; i < PUBLIC_HOST; i++) {
            assertThat(gateways[i].dnatPackets()).as("IPv4 tunnel packets DNATed to " + HOSTS[i]).isPositive();
        }
    }
}
