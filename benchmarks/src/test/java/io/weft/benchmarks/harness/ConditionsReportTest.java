package io.weft.benchmarks.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConditionsReportTest {

    /** kernel VXLAN at {@code kernel} Gb/s each way and weft<->weft at {@code weft}; -R only where {@code reverse}. */
    private static BenchResults condition(double kernel, double weft, boolean reverse) {
        BenchResults r = new BenchResults(List.of(BenchPath.KERNEL, BenchPath.WEFT_WEFT));
        r.add(BenchPath.KERNEL, Figure.TCP1_FWD, kernel);
        r.add(BenchPath.KERNEL, Figure.TCP1_REV, kernel);
        r.add(BenchPath.WEFT_WEFT, Figure.TCP1_FWD, weft);
        if (reverse) {
            r.add(BenchPath.WEFT_WEFT, Figure.TCP1_REV, weft / 2);
        }
        r.add(BenchPath.KERNEL, Figure.UDP1400_LOSS, 2);
        r.add(BenchPath.WEFT_WEFT, Figure.UDP1400_LOSS, 80);
        return r;
    }

    private static Map<String, BenchResults> threeConditions() {
        Map<String, BenchResults> m = new LinkedHashMap<>();
        m.put("default", condition(10, 4, true));
        m.put("wire", condition(5, 3, true));
        m.put("nat", condition(8, 4, false));
        return m;
    }

    @Test
    void everyConditionsPathsAreRowsWithRatiosToTheKernelOfTheSameCondition() {
        String text = ConditionsReport.format(threeConditions());
        List<String> lines = text.lines().toList();
        assertThat(lines.get(1)).startsWith("condition").contains("path", "TCP 1 stream (Gb/s)", "TCP 1 stream -R (Gb/s)",
                "UDP 1400 B loss (%)", "system CPU per GB (s/GB)");
        assertThat(lines.stream().filter(l -> l.startsWith("default ")).toList()).hasSize(2);
        String defaultWeft = lines.stream().filter(l -> l.startsWith("default") && l.contains("weft<->weft")).findFirst().orElseThrow();
        assertThat(defaultWeft).contains("4.00 (0.40x)", "2.00 (0.20x)");
        String wireWeft = lines.stream().filter(l -> l.startsWith("wire") && l.contains("weft<->weft")).findFirst().orElseThrow();
        // 3 Gb/s against the kernel's 5 in the same condition, not against the default condition's 10.
        assertThat(wireWeft).contains("3.00 (0.60x)", "1.50 (0.30x)");
        String natKernel = lines.stream().filter(l -> l.startsWith("nat") && l.contains("kernel VXLAN")).findFirst().orElseThrow();
        assertThat(natKernel).contains("8.00").doesNotContain("x)");
    }

    @Test
    void theChartHasASeriesPerConditionAndABarPerPathAndDirection(@TempDir Path dir) throws Exception {
        CategoryChart chart = ConditionsReport.chart(threeConditions(), Fixtures.environment(), 2);
        assertThat(chart.getSeriesMap().keySet()).containsExactly("default", "wire", "nat");
        assertThat(new ArrayList<Object>(chart.getSeriesMap().get("wire").getXData())).containsExactly("weft<->weft", "weft<->weft -R");
        assertThat(new ArrayList<Object>(chart.getSeriesMap().get("wire").getYData())).containsExactly(0.6, 0.3);
        // The NAT condition has no -R figure: an empty bar, not a missing category.
        assertThat(new ArrayList<Object>(chart.getSeriesMap().get("nat").getYData())).containsExactly(0.5, 0.0);
        assertThat(chart.getTitle()).contains("same condition", "median of 2 runs", "abc1234-dirty");

        System.setProperty("java.awt.headless", "true");
        Path png = dir.resolve("conditions.png");
        ConditionsReport.writeChart(threeConditions(), Fixtures.environment(), 2, png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(ThroughputChart.WIDTH);
        long orange = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == 0xff7f0e) {
                    orange++;
                }
            }
        }
        assertThat(orange).as("the wire condition's bars are drawn").isGreaterThan(3000);
    }

    @Test
    void nothingToCompareIsSaidSo() {
        BenchResults kernelOnly = new BenchResults(List.of(BenchPath.KERNEL));
        kernelOnly.add(BenchPath.KERNEL, Figure.TCP1_FWD, 10);
        assertThatThrownBy(() -> ConditionsReport.chart(Map.of("default", kernelOnly), Fixtures.environment(), 1))
                .isInstanceOf(BenchException.class).hasMessageContaining("no TCP ratios");
    }
}
