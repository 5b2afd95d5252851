package io.weft.dataplane.agent;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class MasqueradeRulesTest {

    private static String line(MasqueradeRules.Rule r) {
        return String.join(" ", r.appendArgs().subList(2, r.appendArgs().size()));
    }

    @Test
    void masqueradeChainMatchesFlannelsRulesInOrder() {
        List<String> rules = MasqueradeRules.masqRules(Subnet.parse("10.244.0.0/16"), Subnet.parse("10.244.3.0/24"), true)
                .stream().map(MasqueradeRulesTest::line).collect(Collectors.toList());
        assertThat(rules).containsExactly(
                "-t nat -A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment flanneld masq -j RETURN",
                "-t nat -A FLANNEL-POSTRTG -s 10.244.3.0/24 -d 10.244.0.0/16 -m comment --comment flanneld masq -j RETURN",
                "-t nat -A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.3.0/24 -m comment --comment flanneld masq -j RETURN",
                "-t nat -A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.3.0/24 -m comment --comment flanneld masq -j RETURN",
                "-t nat -A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment flanneld masq -j MASQUERADE --random-fully",
                "-t nat -A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment flanneld masq -j MASQUERADE --random-fully");
        assertThat(line(MasqueradeRules.masqJump()))
                .isEqualTo("-t nat -A POSTROUTING -m comment --comment flanneld masq -j FLANNEL-POSTRTG");
    }

    @Test
    void withoutRandomFullyTheMasqueradeTargetsTakeNoOption() {
        assertThat(MasqueradeRules.masqRules(Subnet.parse("10.244.0.0/16"), Subnet.parse("10.244.3.0/24"), false))
                .allSatisfy(r -> assertThat(r.spec()).doesNotContain("--random-fully"));
    }

    @Test
    void forwardChainAcceptsTheNetworkBothWays() {
        assertThat(MasqueradeRules.forwardRules(Subnet.parse("10.244.0.0/16")).stream().map(MasqueradeRulesTest::line))
                .containsExactly(
                        "-t filter -A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment flanneld forward -j ACCEPT",
                        "-t filter -A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment flanneld forward -j ACCEPT");
        assertThat(line(MasqueradeRules.forwardJump()))
                .isEqualTo("-t filter -A FORWARD -m comment --comment flanneld forward -j FLANNEL-FWD");
    }
}
