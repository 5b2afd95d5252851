package io.weft.benchmarks.harness;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What {@code --conditions} adds over its three invocations' own reports: conditions.txt, every condition's paths
 * in one table, and conditions.png, the single-stream TCP ratios of each path in each condition. Every ratio is to the
 * kernel VXLAN path of its own condition, measured in the same minutes.
 */
final class ConditionsReport {
    /** The figures issue 16 sets goals for. */
    static final Figure[] FIGURES = {Figure.TCP1_FWD, Figure.TCP1_REV, Figure.TCP4_FWD, Figure.TCP4_REV,
        Figure.LATENCY_P50, Figure.UDP1400_PPS, Figure.UDP1400_LOSS, Figure.SYSTEM_CPU_PER_GB};
    /** The figures drawn: single-stream TCP each way. */
    static final Figure[] CHARTED = {Figure.TCP1_FWD, Figure.TCP1_REV};

    private static final Color[] COLOURS = {new Color(0x1f, 0x77, 0xb4), new Color(0xff, 0x7f, 0x0e), new Color(0x2c, 0xa0, 0x2c)};

    private ConditionsReport() {
    }

    /** One row per condition and path, one column per figure: the median, and for a tunnel its ratio to the kernel's. */
    static String format(Map<String, BenchResults> byCondition) {
        List<String[]> rows = new ArrayList<>();
        String[] header = new String[FIGURES.length + 2];
        header[0] = "condition";
        header[1] = "path";
        for (int i = 0; i < FIGURES.length; i++) {
            header[i + 2] = FIGURES[i].label + " (" + FIGURES[i].unit + ")";
        }
        rows.add(header);
        for (Map.Entry<String, BenchResults> c : byCondition.entrySet()) {
            for (BenchPath p : c.getValue().paths()) {
                String[] row = new String[FIGURES.length + 2];
                row[0] = c.getKey();
                row[1] = p.label;
                for (int i = 0; i < FIGURES.length; i++) {
                    row[i + 2] = RatioTable.medianCell(c.getValue(), p, FIGURES[i]);
                }
                rows.add(row);
            }
        }
        StringBuilder out = new StringBuilder("Median of each figure; (ratio) = median / kernel VXLAN median of the same"
                + " condition (for the IPv6 paths, ending in 6: / kernel VXLAN6).\n");
        out.append(RatioTable.align(rows));
        out.append("Conditions: default = the veth's default offloads; wire = TX checksum offload off, every checksum final"
                + " as a NIC sends it; nat = each side behind its own 1:1 NAT gateway. Each condition's own report is in its"
                + " directory.\n");
        return out.toString();
    }

    /**
     * Bars of the single-stream TCP ratios (forward, then {@code -R}) of every path compared with the kernel, one
     * series per condition; a path a condition did not measure, or whose test failed there, gets an empty bar.
     */
    static CategoryChart chart(Map<String, BenchResults> byCondition, Environment env, int runs) {
        List<BenchPath> paths = new ArrayList<>();
        for (BenchResults r : byCondition.values()) {
            for (BenchPath p : r.paths()) {
                if (!paths.contains(p) && Arrays.stream(CHARTED).anyMatch(f -> r.ratioToKernel(p, f).isPresent())) {
                    paths.add(p);
                }
            }
        }
        if (paths.isEmpty()) {
            throw new BenchException("no TCP ratios to chart");
        }
        List<String> labels = new ArrayList<>();
        for (BenchPath p : paths) {
            for (Figure f : CHARTED) {
                labels.add(p.label + (f == Figure.TCP1_REV ? " -R" : ""));
            }
        }
        CategoryChart chart = new CategoryChartBuilder().width(ThroughputChart.WIDTH).height(ThroughputChart.HEIGHT)
                .title("TCP 1 stream, ratio to kernel VXLAN in the same condition, median of " + runs + " run"
                        + (runs == 1 ? "" : "s") + " (weft " + env.weftCommit() + ", " + env.host() + ", kernel "
                        + env.kernel() + ")")
                .xAxisTitle("path and direction (veth MTU 1500, tunnels MTU 1450)")
                .yAxisTitle("x kernel VXLAN").build();
        ThroughputChart.style(chart, COLOURS);
        for (Map.Entry<String, BenchResults> c : byCondition.entrySet()) {
            List<Double> ratios = new ArrayList<>();
            for (BenchPath p : paths) {
                for (Figure f : CHARTED) {
                    OptionalDouble r = c.getValue().ratioToKernel(p, f);
                    ratios.add(r.isPresent() ? r.getAsDouble() : 0.0);
                }
            }
            chart.addSeries(c.getKey(), labels, ratios);
        }
        return chart;
    }

    static void writeChart(Map<String, BenchResults> byCondition, Environment env, int runs, Path png) {
        try {
            BitmapEncoder.saveBitmap(chart(byCondition, env, runs), png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new BenchException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }
}
