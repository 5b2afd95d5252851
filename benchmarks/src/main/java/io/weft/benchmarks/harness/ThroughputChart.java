package io.weft.benchmarks.harness;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** throughput.png: grouped bars of the TCP figures (median Gb/s) per path, for people who would rather look. */
final class ThroughputChart {
    private static final Color[] COLOURS = {
        new Color(0x1f, 0x77, 0xb4), new Color(0xae, 0xc7, 0xe8), new Color(0xff, 0x7f, 0x0e), new Color(0xff, 0xbb, 0x78)};

    static final int WIDTH = 1400;
    static final int HEIGHT = 700;

    private ThroughputChart() {
    }

    static CategoryChart build(BenchResults results, Environment env, int runs) {
        return build(results, env, runs, null);
    }

    /** The chart, its axis naming the condition the paths ran in ({@code null}: not named). */
    static CategoryChart build(BenchResults results, Environment env, int runs, String condition) {
        List<BenchPath> paths = new ArrayList<>();
        for (BenchPath p : results.paths()) {
            for (Figure f : Figure.tcp()) {
                if (results.summary(p, f).isPresent() && !paths.contains(p)) {
                    paths.add(p);
                }
            }
        }
        if (paths.isEmpty()) {
            throw new BenchException("no TCP figures to chart");
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("TCP throughput through each path, median of " + runs + " run" + (runs == 1 ? "" : "s")
                        + " (weft " + env.weftCommit() + ", " + env.host() + ", kernel " + env.kernel() + ")")
                .xAxisTitle("path (veth MTU 1500, tunnels MTU 1450" + (condition == null ? "" : "; " + condition) + ")").yAxisTitle("Gb/s").build();
        style(chart, COLOURS);
        List<String> labels = paths.stream().map(p -> p.label).toList();
        for (Figure f : Figure.tcp()) {
            List<Double> medians = new ArrayList<>();
            for (BenchPath p : paths) {
                // A path that has no such figure (its test failed) gets an empty bar rather than a gap in the axis.
                medians.add(results.summary(p, f).map(Summary::median).orElse(0.0));
            }
            chart.addSeries(f.label, labels, medians);
        }
        return chart;
    }

    /** The bench's chart style: white, a legend inside, tilted path names and each bar's value on top of it. */
    static void style(CategoryChart chart, Color[] colours) {
        CategoryStyler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridVerticalLinesVisible(false);
        styler.setSeriesColors(colours);
        styler.setDecimalPattern("#0.00");
        // Path names are long and there may be eight of them: tilted, they do not run into each other.
        styler.setXAxisLabelRotation(20);
        // The value on top of each bar: the point of the chart is comparing bars that may differ 20-fold.
        styler.setLabelsVisible(true);
        styler.setLabelsFontColorAutomaticEnabled(false);
        styler.setLabelsFontColor(Color.DARK_GRAY);
        styler.setLabelsPosition(1.0);
    }

    static void write(BenchResults results, Environment env, int runs, Path png) {
        write(results, env, runs, null, png);
    }

    static void write(BenchResults results, Environment env, int runs, String condition, Path png) {
        try {
            BitmapEncoder.saveBitmap(build(results, env, runs, condition), png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new BenchException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }
}
