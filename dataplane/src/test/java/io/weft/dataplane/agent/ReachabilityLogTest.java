package io.weft.dataplane.agent;

import io.weft.dataplane.probe.ProbeSettings;
import io.weft.dataplane.probe.Prober;
import io.weft.dataplane.probe.Target;
import io.weft.fdb.Subnet;
import io.weft.vtep.Ipv4;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Many silent peers through a real prober (silent injector, manual clock): one summary line per round. */
class ReachabilityLogTest {
    private static final long SECOND = 1_000_000_000L;
    private final List<String> warnings = new ArrayList<>();
    private final List<String> notices = new ArrayList<>();
    private long now = 1000 * SECOND;

    private Prober prober(List<Target> targets) {
        return new Prober(ProbeSettings.DEFAULT, Ipv4.parse("10.244.1.0"), () -> "198.51.100.1", packet -> true,
                () -> targets, new ReachabilityLog(warnings::add, notices::add), () -> now);
    }

    private static List<Target> peers(int n) {
        List<Target> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Target(Subnet.ofV4(Ipv4.parse("10.100.0.0") + (i << 8), 24), "203.0.113." + (i % 250), 8472));
        }
        return out;
    }

    @Test
    void twoThousandSilentPeersGiveOneSummaryLine() {
        Prober p = prober(peers(2003));
        for (int round = 0; round < 20; round++) {
            p.tick();
            now += 2 * SECOND;
        }
        assertThat(warnings).singleElement().asString()
                .startsWith("2003 peers became unreachable: 10.100.0.0/24 at 203.0.113.0, 10.100.1.0/24 at 203.0.113.1,")
                .contains(" and 1998 more. ").contains("'weft peers'").contains("UDP 8472");
        assertThat(p.status()).hasSize(2003);
    }

    @Test
    void oneSilentPeerStillGetsTheFullWarningWithItsCauses() {
        Prober p = prober(peers(1));
        for (int round = 0; round < 20; round++) {
            p.tick();
            now += 2 * SECOND;
        }
        assertThat(warnings).singleElement().asString().contains("10.100.0.0/24 at 203.0.113.0:8472 is unreachable")
                .contains("security group");
    }
}
