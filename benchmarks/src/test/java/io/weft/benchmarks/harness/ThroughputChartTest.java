package io.weft.benchmarks.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ThroughputChartTest {

    @Test
    void oneBarGroupPerPathWithTcpFiguresAndOneSeriesPerTcpFigure() {
        CategoryChart chart = ThroughputChart.build(Fixtures.results(), Fixtures.environment(), 3);
        assertThat(chart.getSeriesMap().keySet()).containsExactly("TCP 1 stream", "TCP 1 stream -R", "TCP 4 streams", "TCP 4 streams -R");
        CategorySeries fwd = chart.getSeriesMap().get("TCP 1 stream");
        // kernel->weft has no figures at all, so it is not drawn.
        assertThat(list(fwd.getXData())).containsExactly("veth", "kernel VXLAN", "weft->kernel");
        assertThat(list(fwd.getYData())).containsExactly(6.0, 3.0, 0.75);
        assertThat(list(chart.getSeriesMap().get("TCP 4 streams").getYData())).containsOnly(0.0);
        assertThat(chart.getTitle()).contains("median of 3 runs", "abc1234-dirty");
    }

    @Test
    void thePngIsDrawnHeadlessAndShowsTheBars(@TempDir Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path png = dir.resolve("throughput.png");
        ThroughputChart.write(Fixtures.results(), Fixtures.environment(), 3, png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(ThroughputChart.WIDTH);
        assertThat(image.getHeight()).isEqualTo(ThroughputChart.HEIGHT);
        int barColour = 0x1f77b4;
        long barPixels = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == barColour) {
                    barPixels++;
                }
            }
        }
        // Three "TCP 1 stream" bars plus the legend swatch: thousands of pixels of that blue.
        assertThat(barPixels).isGreaterThan(5000);
        assertThat(Files.size(png)).isGreaterThan(10_000);
    }

    @Test
    void nothingToDrawIsSaidSo() {
        assertThatThrownBy(() -> ThroughputChart.build(new BenchResults(List.of(BenchPath.KERNEL)), Fixtures.environment(), 1))
                .isInstanceOf(BenchException.class).hasMessageContaining("no TCP figures");
    }

    private static List<Object> list(java.util.Collection<?> c) {
        return new ArrayList<>(c);
    }
}
