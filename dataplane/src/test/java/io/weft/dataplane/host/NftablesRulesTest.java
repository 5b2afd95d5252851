package io.weft.dataplane.host;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** flanneld's nftables rules ({@code pkg/trafficmngr/nftables}) as knftables renders them, for both tables. */
class NftablesRulesTest {

    @Test
    void ipv4TablesAreFlannelsFlannelIpv4Table() {
        assertThat(NftablesRules.table()).containsExactly(
                "add table ip flannel-ipv4 { comment \"rules for flannel-ipv4\" ; }");
        assertThat(NftablesRules.masquerade(Subnet.parse("10.244.0.0/16"), Subnet.parse("10.244.3.0/24"), true))
                .containsExactly(
                        "add chain ip flannel-ipv4 postrtg { type nat hook postrouting priority srcnat ;"
                                + " comment \"chain to manage traffic masquerading by flannel\" ; }",
                        "flush chain ip flannel-ipv4 postrtg",
                        "add rule ip flannel-ipv4 postrtg meta mark 0x4000 return",
                        "add rule ip flannel-ipv4 postrtg ip saddr 10.244.3.0/24 ip daddr 10.244.0.0/16 return",
                        "add rule ip flannel-ipv4 postrtg ip saddr 10.244.0.0/16 ip daddr 10.244.3.0/24 return",
                        "add rule ip flannel-ipv4 postrtg ip saddr != 10.244.3.0/24 ip daddr 10.244.0.0/16 return",
                        "add rule ip flannel-ipv4 postrtg ip saddr 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random",
                        "add rule ip flannel-ipv4 postrtg ip saddr != 10.244.0.0/16 ip daddr 10.244.0.0/16 masquerade fully-random");
    }

    @Test
    void ipv6RulesGoToTheFlannelIpv6TableWithIp6MatchesAndTheIpv6MulticastRange() {
        assertThat(NftablesRules.tableV6()).containsExactly(
                "add table ip6 flannel-ipv6 { comment \"rules for flannel-ipv6\" ; }");
        assertThat(NftablesRules.masquerade(Subnet.parse("fd00:10:244::/56"), Subnet.parse("fd00:10:244:3::/64"), false))
                .containsExactly(
                        "add chain ip6 flannel-ipv6 postrtg { type nat hook postrouting priority srcnat ;"
                                + " comment \"chain to manage traffic masquerading by flannel\" ; }",
                        "flush chain ip6 flannel-ipv6 postrtg",
                        "add rule ip6 flannel-ipv6 postrtg meta mark 0x4000 return",
                        "add rule ip6 flannel-ipv6 postrtg ip6 saddr fd00:10:244:3::/64 ip6 daddr fd00:10:244::/56 return",
                        "add rule ip6 flannel-ipv6 postrtg ip6 saddr fd00:10:244::/56 ip6 daddr fd00:10:244:3::/64 return",
                        "add rule ip6 flannel-ipv6 postrtg ip6 saddr != fd00:10:244:3::/64 ip6 daddr fd00:10:244::/56 return",
                        "add rule ip6 flannel-ipv6 postrtg ip6 saddr fd00:10:244::/56 ip6 daddr != ff00::/8 masquerade",
                        "add rule ip6 flannel-ipv6 postrtg ip6 saddr != fd00:10:244::/56 ip6 daddr fd00:10:244::/56 masquerade");
        assertThat(NftablesRules.forward(Subnet.parse("fd00:10:244::/56"))).containsExactly(
                "add chain ip6 flannel-ipv6 forward { type filter hook forward priority filter ;"
                        + " comment \"chain to accept flannel traffic\" ; }",
                "flush chain ip6 flannel-ipv6 forward",
                "add rule ip6 flannel-ipv6 forward ip6 saddr fd00:10:244::/56 accept",
                "add rule ip6 flannel-ipv6 forward ip6 daddr fd00:10:244::/56 accept");
    }
}
