package io.weft.dataplane.doctor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.dataplane.agent.ExternalInterface;
import io.weft.fdb.NetworkConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UnderlayFamilyTest {
    private static final String IPV6_ONLY = "{\"EnableIPv4\":false,\"EnableIPv6\":true,"
            + "\"IPv6Network\":\"fd00:20:244::/56\",\"Backend\":{\"Type\":\"vxlan\"}}";
    private static final String DUAL_STACK = "{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true,"
            + "\"IPv6Network\":\"fd00:20:244::/56\",\"Backend\":{\"Type\":\"vxlan\"}}";
    private static final String IPV4 = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theNetworkConfigDecidesWhenItWasRead() throws Exception {
        ObjectNode dualStackAgent = stats("10.244.1.0/24", "fd00:20:244:1::/64");
        assertThat(UnderlayFamily.of(NetworkConfig.parse(IPV6_ONLY), dualStackAgent)).isEqualTo(UnderlayFamily.IPV6);
        assertThat(UnderlayFamily.of(NetworkConfig.parse(DUAL_STACK), null)).isEqualTo(UnderlayFamily.IPV4);
        assertThat(UnderlayFamily.of(NetworkConfig.parse(IPV4), null)).isEqualTo(UnderlayFamily.IPV4);
    }

    /** Without the config (etcd down, kube mode) the running agent tells: an IPv6 subnet and no IPv4 one. */
    @Test
    void withoutTheConfigTheRunningAgentDecides() {
        assertThat(UnderlayFamily.of(null, stats(null, "fd00:20:244:1::/64"))).isEqualTo(UnderlayFamily.IPV6);
        assertThat(UnderlayFamily.of(null, stats("10.244.1.0/24", "fd00:20:244:1::/64"))).isEqualTo(UnderlayFamily.IPV4);
        assertThat(UnderlayFamily.of(null, stats("10.244.1.0/24", null))).isEqualTo(UnderlayFamily.IPV4);
        assertThat(UnderlayFamily.of(null, null)).isEqualTo(UnderlayFamily.IPV4);
    }

    @Test
    void anInterfaceChosenByIpv6IsOkAndSaysSo() {
        Finding f = UnderlayFamily.IPV6.chosen(new ExternalInterface("eth0", null, 1500), "fd98::2", "fd98::2");
        assertThat(f.status()).isEqualTo(Finding.Status.OK);
        assertThat(f.check()).isEqualTo("underlay");
        assertThat(f.message()).startsWith("underlay eth0 (MTU 1500) chosen by IPv6").contains("IPv6-only")
                .contains("IPv6 address fd98::2").doesNotContain("advertising");
        assertThat(UnderlayFamily.IPV6.chosen(new ExternalInterface("eth0", null, 1500), "fd98::2", "2001:db8::2")
                .message()).endsWith("IPv6 address fd98::2, advertising PublicIPv6 2001:db8::2");
        assertThat(UnderlayFamily.IPV6.overhead).isEqualTo(70);
        assertThat(UnderlayFamily.IPV4.overhead).isEqualTo(50);
    }

    /** A dual-stack network needs IPv4 on the underlay: one line says so, and that IPv6-only is the other way out. */
    @Test
    void aDualStackNetworkOnAHostWithoutIpv4FailsWithWhatToDo() throws Exception {
        String why = "there is no default route to pick the underlay interface from; name it with -iface";
        Finding f = UnderlayFamily.IPV4.notFound(NetworkConfig.parse(DUAL_STACK), why);
        assertThat(f.status()).isEqualTo(Finding.Status.FAIL);
        assertThat(f.message()).isEqualTo("the network config is dual-stack, so the underlay interface needs an IPv4"
                + " address: " + why).doesNotContain("\n");
        assertThat(f.fix()).contains("an IPv4 address", "-iface", "\"EnableIPv4\": false");
        assertThat(UnderlayFamily.IPV4.notFound(NetworkConfig.parse(IPV4), why).message())
                .startsWith("the network config is IPv4, so");
        assertThat(UnderlayFamily.IPV4.notFound(null, why).message()).isEqualTo(why);
        assertThat(UnderlayFamily.IPV6.notFound(NetworkConfig.parse(IPV6_ONLY), why).fix()).contains("over IPv6");
    }

    private static ObjectNode stats(String subnet, String ipv6Subnet) {
        ObjectNode n = JSON.createObjectNode();
        n.put("subnet", subnet);
        if (ipv6Subnet != null) {
            n.put("ipv6Subnet", ipv6Subnet);
        }
        return n;
    }
}
