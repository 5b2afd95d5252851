package io.weft.dataplane.host;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The rule sets {@link Nftables} writes for each stack: both tables always, as flanneld's {@code Init} makes them. */
class NftablesTest {
    private static final String TABLE_V4 = "add table ip flannel-ipv4 { comment \"rules for flannel-ipv4\" ; }";
    private static final String TABLE_V6 = "add table ip6 flannel-ipv6 { comment \"rules for flannel-ipv6\" ; }";

    @Test
    void anIpv4OnlyHostHasTheIpv6TableEmptyAsFlanneldLeavesIt() {
        assertThat(Nftables.forFlags(Subnet.parse("10.244.0.0/16"), Subnet.parse("10.244.3.0/24"), false, false, true)
                .script()).containsExactly(TABLE_V4, TABLE_V6,
                "add chain ip flannel-ipv4 forward { type filter hook forward priority filter ;"
                        + " comment \"chain to accept flannel traffic\" ; }",
                "flush chain ip flannel-ipv4 forward",
                "add rule ip flannel-ipv4 forward ip saddr 10.244.0.0/16 accept",
                "add rule ip flannel-ipv4 forward ip daddr 10.244.0.0/16 accept");
    }

    @Test
    void aDualStackHostFillsBothTablesAndAnIpv6OnlyOneOnlyTheIpv6Table() {
        Subnet v6net = Subnet.parse("fd00:10:244::/56");
        Subnet v6pod = Subnet.parse("fd00:10:244:3::/64");
        assertThat(Nftables.forFlags(Subnet.parse("10.244.0.0/16"), Subnet.parse("10.244.3.0/24"), v6net, v6pod, false,
                false, true).script()).containsExactly(TABLE_V4, TABLE_V6,
                "add chain ip flannel-ipv4 forward { type filter hook forward priority filter ;"
                        + " comment \"chain to accept flannel traffic\" ; }",
                "flush chain ip flannel-ipv4 forward",
                "add rule ip flannel-ipv4 forward ip saddr 10.244.0.0/16 accept",
                "add rule ip flannel-ipv4 forward ip daddr 10.244.0.0/16 accept",
                "add chain ip6 flannel-ipv6 forward { type filter hook forward priority filter ;"
                        + " comment \"chain to accept flannel traffic\" ; }",
                "flush chain ip6 flannel-ipv6 forward",
                "add rule ip6 flannel-ipv6 forward ip6 saddr fd00:10:244::/56 accept",
                "add rule ip6 flannel-ipv6 forward ip6 daddr fd00:10:244::/56 accept");
        assertThat(Nftables.forFlags(null, null, v6net, v6pod, false, false, true).script())
                .startsWith(TABLE_V4, TABLE_V6).hasSize(6).allMatch(l -> !l.contains(" ip flannel-ipv4 forward"));
    }
}
