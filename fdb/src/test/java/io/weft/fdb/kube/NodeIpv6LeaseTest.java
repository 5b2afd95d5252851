package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A node's IPv6 half in kube mode, with the annotations and podCIDRs flanneld writes and reads. */
class NodeIpv6LeaseTest {
    private static final String P = "flannel.alpha.coreos.com/";
    private final AnnotationNames names = AnnotationNames.forPrefix("flannel.alpha.coreos.com");
    private final NodeIpv6Lease ipv6 = new NodeIpv6Lease(names);
    private final NodeLeases leases = new NodeLeases(names);

    /** A dual-stack node as flanneld v0.28 leaves it. */
    private static Map<String, String> flanneldDualStack() {
        Map<String, String> a = new HashMap<>();
        a.put(P + "kube-subnet-manager", "true");
        a.put(P + "backend-type", "vxlan");
        a.put(P + "backend-data", "{\"VNI\":1,\"VtepMAC\":\"0e:2a:00:00:00:02\"}");
        a.put(P + "backend-v6-data", "{\"VNI\":1,\"VtepMAC\":\"0e:2a:00:00:06:02\"}");
        a.put(P + "public-ip", "192.168.64.2");
        a.put(P + "public-ipv6", "2001:db8::2");
        return a;
    }

    private static Node node(Map<String, String> annotations, String... podCidrs) {
        return new NodeBuilder().withNewMetadata().withName("node-b").withAnnotations(annotations).endMetadata()
                .withNewSpec().withPodCIDR(podCidrs.length == 0 ? null : podCidrs[0]).withPodCIDRs(List.of(podCidrs))
                .endSpec().build();
    }

    @Test
    void aDualStackPeerCarriesBothSubnetsBothPublicAddressesAndItsSecondVtepMac() throws Exception {
        Node n = node(flanneldDualStack(), "10.244.2.0/24", "fd00:10:244:2::/64");
        Lease l = ipv6.withIpv6(n, leases.lease(n));
        assertThat(l.subnet()).isEqualTo(Subnet.parse("10.244.2.0/24"));
        assertThat(l.ipv6Subnet()).isEqualTo(Subnet.parse("fd00:10:244:2::/64"));
        assertThat(Subnet.formatAddress(l.publicIp())).isEqualTo("192.168.64.2");
        assertThat(Subnet.formatAddress(l.publicIpv6())).isEqualTo("2001:db8::2");
        assertThat(l.backendData().vtepMac()).isEqualTo(MacAddress.parse("0e:2a:00:00:00:02"));
        assertThat(l.backendV6Data().vtepMac()).isEqualTo(MacAddress.parse("0e:2a:00:00:06:02"));
        assertThat(l.key()).isEqualTo("10.244.2.0-24&fd00:10:244:2::-64");
    }

    @Test
    void anIpv6OnlyPeerHasFlannelsEmptyIpv4Part() throws Exception {
        Map<String, String> a = flanneldDualStack();
        a.remove(P + "backend-data");
        a.put(P + "public-ip", "0.0.0.0");
        Node n = node(a, "fd00:10:244:2::/64");
        assertThat(NodeLeases.podSubnet(n)).isNull();
        Lease l = ipv6.withIpv6(n, null);
        assertThat(l.key()).isEqualTo("0.0.0.0-0&fd00:10:244:2::-64");
        assertThat(l.backendData()).isNull();
        assertThat(l.backendV6Data().vtepMac()).isEqualTo(MacAddress.parse("0e:2a:00:00:06:02"));
    }

    @Test
    void eachMissingOrBrokenIpv6PartIsOneLineNamingTheNodeAndTheField() {
        Map<String, String> noV6Data = flanneldDualStack();
        noV6Data.remove(P + "backend-v6-data");
        assertRefused(node(noV6Data, "10.244.2.0/24", "fd00:10:244:2::/64"), "node node-b: annotation "
                + P + "backend-v6-data is missing although the network config enables IPv6");
        Map<String, String> badMac = flanneldDualStack();
        badMac.put(P + "backend-v6-data", "{\"VNI\":1,\"VtepMAC\":\"0e:2a:zz\"}");
        assertRefused(node(badMac, "10.244.2.0/24", "fd00:10:244:2::/64"), "node node-b: annotation "
                + P + "backend-v6-data '{\"VNI\":1,\"VtepMAC\":\"0e:2a:zz\"}' does not parse: VtepMAC \"0e:2a:zz\" is not a MAC address");
        Map<String, String> v4Public = flanneldDualStack();
        v4Public.put(P + "public-ipv6", "192.168.64.2");
        assertRefused(node(v4Public, "10.244.2.0/24", "fd00:10:244:2::/64"), "node node-b: annotation "
                + P + "public-ipv6 '192.168.64.2' does not parse: not an IPv6 address");
        assertRefused(node(flanneldDualStack(), "10.244.2.0/24"), "node node-b: spec.podCIDRs has no IPv6 CIDR"
                + " although the network config enables IPv6; give the cluster an IPv6 --cluster-cidr as well");
        assertRefused(node(flanneldDualStack(), "10.244.2.0/24", "fd00::/64", "fd01::/64"),
                "node node-b: spec.podCIDRs [10.244.2.0/24, fd00::/64, fd01::/64] has more than one IPv4 and one IPv6 CIDR");
    }

    private void assertRefused(Node n, String message) {
        assertThatThrownBy(() -> ipv6.withIpv6(n, null)).isInstanceOf(MalformedNodeException.class)
                .hasMessage(message).message().doesNotContain("\n");
    }

    @Test
    void ownIpv6AnnotationsAreFlanneldsAndTheOverwriteWins() {
        BackendData data = new BackendData(1, MacAddress.parse("0E:2A:00:00:06:03"));
        Inet6Address detected = (Inet6Address) Subnet.parseAddress("2001:db8:0:0::3");
        assertThat(ipv6.wanted(node(Map.of(), "fd00:10:244:3::/64"), detected, data)).containsExactly(
                Map.entry(P + "backend-v6-data", "{\"VNI\":1,\"VtepMAC\":\"0e:2a:00:00:06:03\"}"),
                Map.entry(P + "public-ipv6", "2001:db8::3"));
        Node overwritten = node(Map.of(P + "public-ipv6-overwrite", "2001:db8:ffff::3"), "fd00:10:244:3::/64");
        assertThat(ipv6.wanted(overwritten, detected, data)).containsEntry(P + "public-ipv6", "2001:db8:ffff::3");
        assertThat(ipv6.nodePublicIpv6(node(Map.of(P + "node-public-ipv6", " 2001:db8::9 "), "fd00::/64")))
                .isEqualTo("2001:db8::9");
        assertThat(ipv6.nodePublicIpv6(node(Map.of(), "fd00::/64"))).isNull();
    }
}
