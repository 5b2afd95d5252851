package io.weft.dataplane.host;

import io.weft.fdb.kube.NodeAddress;
import io.weft.fdb.kube.NodeIpMappings;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NodeIpDnatRulesTest {
    @Test
    void theChainsHoldTheUsersHandWrittenRulesForEachMappedPeer() throws Exception {
        NodeIpMappings plan = NodeIpMappings.plan(List.of(
                new NodeAddress("node-3", ip("10.0.0.3"), ip("203.0.113.3")),
                new NodeAddress("node-2", ip("10.0.0.2"), ip("10.0.0.2"))));
        assertThat(NodeIpDnatRules.restoreInput(plan)).isEqualTo("""
                *nat
                :WEFT-NODE-DNAT - [0:0]
                :WEFT-NODE-SNAT - [0:0]
                -A WEFT-NODE-DNAT -d 10.0.0.3/32 -m comment --comment "weft node-ip-dnat node-3" -j DNAT --to-destination 203.0.113.3
                -A WEFT-NODE-SNAT -m conntrack --ctstate DNAT --ctorigdst 10.0.0.3/32 -m comment --comment "weft node-ip-dnat node-3" -j MASQUERADE
                COMMIT
                """);
        assertThat(NodeIpDnatRules.dnatJump("-A")).containsSubsequence("-t", "nat", "-A", "OUTPUT", "-j", "WEFT-NODE-DNAT");
    }

    @Test
    void noMappingsLeaveTheChainsEmpty() {
        assertThat(NodeIpDnatRules.restoreInput(NodeIpMappings.plan(List.of())))
                .isEqualTo("*nat\n:WEFT-NODE-DNAT - [0:0]\n:WEFT-NODE-SNAT - [0:0]\nCOMMIT\n");
    }

    @Test
    void nftablesModeWritesTheSameMappingsIntoWeftsOwnTableInOneTransaction() throws Exception {
        NodeIpMappings plan = NodeIpMappings.plan(List.of(
                new NodeAddress("node-3", ip("10.0.0.3"), ip("203.0.113.3")),
                new NodeAddress("node-2", ip("10.0.0.2"), ip("10.0.0.2"))));
        assertThat(NftablesNodeIpDnat.script(plan)).containsExactly(
                "add table ip weft-node-dnat { comment \"weft --node-ip-dnat: peer nodes' InternalIPs to their public IPs\" ; }",
                "flush table ip weft-node-dnat",
                "add chain ip weft-node-dnat output { type nat hook output priority -100 ;"
                        + " comment \"connections to a node's InternalIP go to its public IP\" ; }",
                "add chain ip weft-node-dnat postrouting { type nat hook postrouting priority srcnat ;"
                        + " comment \"from an address that reaches the public IP\" ; }",
                "add rule ip weft-node-dnat output ip daddr 10.0.0.3 dnat to 203.0.113.3 comment \"weft node-ip-dnat node-3\"",
                "add rule ip weft-node-dnat postrouting ct status dnat ct original ip daddr 10.0.0.3 masquerade"
                        + " comment \"weft node-ip-dnat node-3\"");
        // no mappings: the table stays, flushed, with its two empty chains
        assertThat(NftablesNodeIpDnat.script(NodeIpMappings.plan(List.of()))).hasSize(4)
                .element(1).isEqualTo("flush table ip weft-node-dnat");
    }

    private static Inet4Address ip(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }
}
