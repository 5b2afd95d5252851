package io.weft.fdb.kube;

import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NodeIpMappingsTest {
    @Test
    void mapsEachPeerBehindNatAndNoneWithoutNat() throws Exception {
        NodeIpMappings plan = NodeIpMappings.plan(List.of(
                new NodeAddress("b", ip("10.1.0.5"), ip("203.0.113.5")),
                new NodeAddress("c", ip("10.2.0.7"), ip("10.2.0.7")),    // same network: nothing to map
                new NodeAddress("d", null, ip("203.0.113.9"))));        // no InternalIP reported
        assertThat(plan.mappings()).containsExactly(java.util.Map.entry(ip("10.1.0.5"), ip("203.0.113.5")));
        assertThat(plan.nodes()).containsEntry(ip("10.1.0.5"), "b");
        assertThat(plan.conflicts()).isEmpty();
    }

    @Test
    void aSharedInternalIpMapsNoneOfItsNodesAndSaysSo() throws Exception {
        NodeIpMappings plan = NodeIpMappings.plan(List.of(
                new NodeAddress("vpc1-node", ip("10.0.0.4"), ip("203.0.113.4")),
                new NodeAddress("vpc2-node", ip("10.0.0.4"), ip("198.51.100.4")),
                new NodeAddress("other", ip("10.0.0.9"), ip("198.51.100.9"))));
        assertThat(plan.mappings()).containsOnlyKeys(ip("10.0.0.9"));
        assertThat(plan.conflicts()).containsExactly("nodes vpc1-node, vpc2-node all have InternalIP 10.0.0.4, so"
                + " --node-ip-dnat maps none of them (the API server's kubectl exec and logs to them are not redirected);"
                + " give them distinct InternalIPs (kubelet --node-ip) to map them");
    }

    private static Inet4Address ip(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }
}
