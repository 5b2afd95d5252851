package io.weft.benchmarks.harness;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RatioTableTest {
    private final String table = RatioTable.format(Fixtures.results());
    private final List<String> lines = Arrays.asList(table.split("\n"));

    @Test
    void weftCellsGiveTheMedianAndItsRatioToKernelVxlan() {
        // weft 0.75 over kernel 3 (medians of 1/0.5/0.75 and 4/2/3).
        assertThat(row("TCP 1 stream  ")).isEqualTo(List.of("TCP", "1", "stream", "Gb/s", "6.00", "3.00", "0.75", "(0.25x)", "-"));
        assertThat(row("ping RTT median")).containsSubsequence("80.0", "200", "(2.50x)");
    }

    @Test
    void theReferenceAndTheWireGetNoRatioAndMissingFiguresADash() {
        List<String> cpu = row("CPU per GB");
        assertThat(cpu).containsExactly("CPU", "per", "GB", "(TCP)", "s/GB", "-", "-", "6.50", "-");
        // CPU and RSS exist only for user-space tunnels: no ratio even for weft.
        assertThat(row("peak RSS")).containsExactly("peak", "RSS", "MB", "-", "-", "143", "-");
    }

    @Test
    void columnsLineUpUnderTheirPathHeadings() {
        String header = lines.get(1);
        assertThat(header).startsWith("figure").contains("veth", "kernel VXLAN", "weft->kernel", "kernel->weft");
        String tcp = lines.stream().filter(l -> l.startsWith("TCP 1 stream  ")).findFirst().orElseThrow();
        assertThat(tcp.indexOf("0.75 (0.25x)")).isEqualTo(header.indexOf("weft->kernel"));
        assertThat(tcp.indexOf("3.00")).isEqualTo(header.indexOf("kernel VXLAN"));
        assertThat(tcp.indexOf("Gb/s")).isEqualTo(header.indexOf("unit"));
    }

    @Test
    void theSpreadTableGivesMinAndMax() {
        int spread = lines.indexOf("Spread over the runs (min..max):");
        assertThat(spread).isPositive();
        String tcp = lines.subList(spread, lines.size()).stream().filter(l -> l.startsWith("TCP 1 stream  ")).findFirst().orElseThrow();
        assertThat(tcp.split("\\s+")).containsSubsequence("5.00..7.00", "2.00..4.00", "0.50..1.00");
    }

    @Test
    void errorsAreListedWithTheirPath() {
        assertThat(lines).contains("! kernel->weft: run 1: set-up failed: weft did not become ready");
    }

    @Test
    void everyFigureHasARowInBothTables() {
        for (Figure f : Figure.values()) {
            assertThat(lines.stream().filter(l -> l.startsWith(f.label + "  ")).count()).as(f.label).isEqualTo(2);
        }
    }

    @Test
    void ipv6PathsAreComparedWithTheIpv6KernelReferenceNotTheIpv4One() {
        BenchResults r = new BenchResults(List.of(BenchPath.KERNEL, BenchPath.WEFT_WEFT, BenchPath.KERNEL6, BenchPath.WEFT_WEFT6));
        r.add(BenchPath.KERNEL, Figure.TCP1_FWD, 4);
        r.add(BenchPath.WEFT_WEFT, Figure.TCP1_FWD, 2);
        r.add(BenchPath.KERNEL6, Figure.TCP1_FWD, 3);
        r.add(BenchPath.WEFT_WEFT6, Figure.TCP1_FWD, 1.5);
        assertThat(r.ratioToKernel(BenchPath.WEFT_WEFT, Figure.TCP1_FWD)).hasValue(0.5);
        assertThat(r.ratioToKernel(BenchPath.WEFT_WEFT6, Figure.TCP1_FWD)).hasValue(0.5);
        assertThat(r.ratioToKernel(BenchPath.KERNEL6, Figure.TCP1_FWD)).isEmpty();
        String v6 = RatioTable.format(r);
        assertThat(v6).contains("kernel VXLAN6", "weft<->weft6", "1.50 (0.50x)", "(1380 and 44 B)");
        assertThat(table).doesNotContain("1380");
    }

    @Test
    void ipv6UdpDatagramsAreShorterByTheLongerHeaderSoThePacketsAreAsLongAsIpv4s() {
        assertThat(Iperf3.Test.UDP1400.overIpv6().udpLength()).isEqualTo(1380);
        assertThat(1380 + 40 + 8).isLessThanOrEqualTo(Overlay.MTU6).isEqualTo(1400 + 20 + 8);
        assertThat(Iperf3.Test.UDP64.overIpv6().udpLength()).isEqualTo(44);
        assertThat(Iperf3.Test.TCP4_REV.overIpv6()).isEqualTo(Iperf3.Test.TCP4_REV);
    }

    private List<String> row(String prefix) {
        String line = lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
        return Arrays.asList(line.trim().split("\\s+"));
    }
}
