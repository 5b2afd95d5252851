package io.weft.benchmarks.harness;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CsvAndJsonReportTest {

    @Test
    void csvHasOneLinePerPathAndFigureWithSamplesInRunOrder() {
        String csv = CsvReport.format(Fixtures.results());
        assertThat(csv.split("\n")).containsExactly(
                CsvReport.HEADER,
                "veth,tcp1_fwd_gbps,Gb/s,6,5,7,3,,5 6 7",
                "kernel-vxlan,tcp1_fwd_gbps,Gb/s,3,2,4,3,,4 2 3",
                "kernel-vxlan,latency_p50_us,us,80,80,80,1,,80",
                "weft-to-kernel,tcp1_fwd_gbps,Gb/s,0.75,0.5,1,3,0.25,1 0.5 0.75",
                "weft-to-kernel,latency_p50_us,us,200,200,200,1,2.5,200",
                "weft-to-kernel,cpu_s_per_gb,s/GB,6.5,6.5,6.5,1,,6.5",
                "weft-to-kernel,peak_rss_mb,MB,143.25,143.25,143.25,1,,143.25");
        for (String line : csv.split("\n")) {
            assertThat(line.split(",", -1)).as(line).hasSize(9);
        }
    }

    @Test
    void exactNumbersKeepSixSignificantDigits() {
        assertThat(Numbers.exact(11.597158741744007)).isEqualTo("11.5972");
        assertThat(Numbers.exact(0.0522521462551818)).isEqualTo("0.0522521");
        assertThat(Numbers.exact(24200)).isEqualTo("24200");
        assertThat(Numbers.exact(Double.NaN)).isEmpty();
        assertThat(Numbers.human(24200)).isEqualTo("24200");
        assertThat(Numbers.human(12.345)).isEqualTo("12.3");
        assertThat(Numbers.human(0.0123)).isEqualTo("0.012");
        assertThat(Numbers.ratio(171.631)).isEqualTo("172x");
        assertThat(Numbers.ratio(0.154)).isEqualTo("0.15x");
    }

    @Test
    void jsonCarriesEnvironmentSettingsFiguresRatiosAndErrors() {
        BenchResults results = Fixtures.results();
        results.diagnostics(BenchPath.WEFT_TO_KERNEL, Map.of("run", 1, "weft_A_counters", Json.parseOrText("{\"tx_packets\":5}")));
        List<JmhSummary.Row> jmh = List.of(new JmhSummary.Row("EncapBenchmark.encap", "", "avgt", 40.5, 1.5, "ns/op", 0.0));
        JsonNode root = Json.parse(JsonReport.format(Fixtures.environment(), Map.of("runs", 3), results, jmh), "report");

        assertThat(root.path("environment").path("weft_commit").asText()).isEqualTo("abc1234-dirty");
        assertThat(root.path("environment").path("kernel").asText()).isEqualTo("6.18.44");
        assertThat(root.path("environment").path("cpu_model").asText()).isEqualTo("AMD EPYC");
        assertThat(root.path("settings").path("runs").asInt()).isEqualTo(3);
        JsonNode paths = root.path("paths");
        assertThat(paths).hasSize(4);
        JsonNode weft = paths.get(2);
        assertThat(weft.path("id").asText()).isEqualTo("weft-to-kernel");
        JsonNode tcp = weft.path("figures").path("tcp1_fwd_gbps");
        assertThat(tcp.path("median").asDouble()).isEqualTo(0.75);
        assertThat(tcp.path("min").asDouble()).isEqualTo(0.5);
        assertThat(tcp.path("max").asDouble()).isEqualTo(1.0);
        assertThat(tcp.path("unit").asText()).isEqualTo("Gb/s");
        assertThat(tcp.path("ratio_to_kernel_vxlan").asDouble()).isEqualTo(0.25);
        assertThat(tcp.path("samples")).hasSize(3);
        assertThat(weft.path("figures").path("peak_rss_mb").has("ratio_to_kernel_vxlan")).isFalse();
        assertThat(weft.path("diagnostics").get(0).path("weft_A_counters").path("tx_packets").asInt()).isEqualTo(5);
        assertThat(paths.get(1).path("figures").path("tcp1_fwd_gbps").has("ratio_to_kernel_vxlan")).isFalse();
        assertThat(paths.get(3).path("errors").get(0).asText()).contains("set-up failed");
        assertThat(root.path("jmh").get(0).path("bytes_per_op").asDouble()).isEqualTo(0.0);
        assertThat(root.path("jmh").get(0).path("benchmark").asText()).isEqualTo("EncapBenchmark.encap");
    }
}
