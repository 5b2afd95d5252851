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

    private List<String> row(String prefix) {
        String line = lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
        return Arrays.asList(line.trim().split("\\s+"));
    }
}
