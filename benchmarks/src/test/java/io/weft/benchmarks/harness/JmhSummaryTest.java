package io.weft.benchmarks.harness;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class JmhSummaryTest {

    @Test
    void aGcProfiledRunGivesScoreUnitAndBytesPerOp() {
        // JMH 1.37 -prof gc, one iteration (scoreError "NaN").
        List<JmhSummary.Row> rows = JmhSummary.parse(Fixtures.resource("jmh-gc.json"));
        assertThat(rows).hasSize(2);
        JmhSummary.Row hit = rows.get(0);
        assertThat(hit.benchmark()).isEqualTo("TableLookupBenchmark.lookupV4Hit");
        assertThat(hit.params()).isEqualTo("peers=10");
        assertThat(hit.mode()).isEqualTo("avgt");
        assertThat(hit.score()).isCloseTo(17.272, within(0.001));
        assertThat(hit.unit()).isEqualTo("ns/op");
        assertThat(hit.scoreError()).isNaN();
        assertThat(hit.bytesPerOp()).isCloseTo(0.0523, within(0.0001));
        assertThat(rows.get(1).benchmark()).isEqualTo("TableLookupBenchmark.lookupV4Miss");
    }

    @Test
    void withoutTheGcProfilerThereIsNoBytesPerOp() {
        String json = "[{\"benchmark\":\"io.weft.benchmarks.EncapBenchmark.encap\",\"mode\":\"thrpt\",\"params\":{\"size\":\"64\",\"peers\":\"10\"},"
                + "\"primaryMetric\":{\"score\":1234.5,\"scoreError\":12.25,\"scoreUnit\":\"ops/us\"},\"secondaryMetrics\":{}}]";
        JmhSummary.Row r = JmhSummary.parse(json).get(0);
        assertThat(r.benchmark()).isEqualTo("EncapBenchmark.encap");
        assertThat(r.params()).isEqualTo("size=64,peers=10");
        assertThat(r.scoreError()).isEqualTo(12.25);
        assertThat(r.bytesPerOp()).isNull();
        assertThat(JmhSummary.csv(List.of(r)).split("\n")[1]).isEqualTo("EncapBenchmark.encap,\"size=64,peers=10\",thrpt,1234.5,12.25,ops/us,");
    }

    @Test
    void theTableHasOneAlignedLinePerBenchmark() {
        String table = JmhSummary.format(JmhSummary.parse(Fixtures.resource("jmh-gc.json")));
        String[] lines = table.split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("benchmark").contains("params", "score", "unit", "B/op");
        assertThat(lines[1]).startsWith("TableLookupBenchmark.lookupV4Hit").contains("peers=10", "17.3", "ns/op").endsWith("0.05");
        // Scores are right-aligned in their column.
        assertThat(lines[1].indexOf("17.3") + 4).isEqualTo(lines[2].indexOf("7.71") + 4);
    }

    @Test
    void somethingElseThanJmhJsonIsRejectedWithAReason() {
        assertThatThrownBy(() -> JmhSummary.parse("{\"benchmark\":\"x\"}")).isInstanceOf(BenchException.class)
                .hasMessageContaining("not a JSON array");
    }
}
