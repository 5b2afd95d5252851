package io.weft.dataplane.agent;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** flanneld's ip6tables rules ({@code masqIP6Rules}, {@code forwardRules} for the IPv6 network), argument for argument. */
class Ip6tablesRulesTest {

    private static String line(MasqueradeRules.Rule r) {
        return String.join(" ", r.appendArgs().subList(2, r.appendArgs().size()));
    }

    @Test
    void masqueradeChainForAnIpv6NetworkSkipsIpv6Multicast() {
        List<String> rules = MasqueradeRules.masqRules(Subnet.parse("fd00:10:244::/56"),
                Subnet.parse("fd00:10:244:3::/64"), true).stream().map(Ip6tablesRulesTest::line).toList();
        assertThat(rules).containsExactly(
                "-t nat -A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment flanneld masq -j RETURN",
                "-t nat -A FLANNEL-POSTRTG -s fd00:10:244:3::/64 -d fd00:10:244::/56 -m comment --comment flanneld masq -j RETURN",
                "-t nat -A FLANNEL-POSTRTG -s fd00:10:244::/56 -d fd00:10:244:3::/64 -m comment --comment flanneld masq -j RETURN",
                "-t nat -A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244:3::/64 -m comment --comment flanneld masq -j RETURN",
                "-t nat -A FLANNEL-POSTRTG -s fd00:10:244::/56 ! -d ff00::/8 -m comment --comment flanneld masq -j MASQUERADE --random-fully",
                "-t nat -A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244::/56 -m comment --comment flanneld masq -j MASQUERADE --random-fully");
    }

    @Test
    void forwardChainForAnIpv6NetworkAcceptsItBothWays() {
        assertThat(MasqueradeRules.forwardRules(Subnet.parse("2001:db8:42::/48")).stream().map(Ip6tablesRulesTest::line))
                .containsExactly(
                        "-t filter -A FLANNEL-FWD -s 2001:db8:42::/48 -m comment --comment flanneld forward -j ACCEPT",
                        "-t filter -A FLANNEL-FWD -d 2001:db8:42::/48 -m comment --comment flanneld forward -j ACCEPT");
    }
}
