package io.weft.dataplane.agent;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code scripts/chaos --quick --only etcd-down,flood} as a test: the suite's cluster comes up, a 10 s etcd outage
 * costs the pod ping nothing, and of 20,000 malformed and 2,000 spoofed datagrams none reaches a pod while the control
 * frames do. The full suite (scripts/chaos) is not run by the tests.
 */
class ChaosSmokeIT {
    @Test
    void quickEtcdOutageAndFloodAreWithinWhatTheyAllow() throws Exception {
        List<ChaosRow> rows = ChaosMain.run(ChaosOptions.parse("--quick", "--only", "etcd-down,flood"));
        String table = ChaosRow.table(rows);
        assertThat(rows).as(table).hasSize(2);
        assertThat(rows).as(table).allMatch(r -> Boolean.TRUE.equals(r.passed()));
        assertThat(table).contains("0 of ").contains("delivered: 0 (control frames: 10 of 10)");
    }
}
