package io.weft.benchmarks.harness;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SummaryTest {

    @Test
    void oddRunsTakeTheMiddleValueWhateverTheOrder() {
        assertThat(Summary.of(List.of(3.0, 9.0, 1.0))).isEqualTo(new Summary(3.0, 1.0, 9.0, 3));
        assertThat(Summary.of(List.of(2.5))).isEqualTo(new Summary(2.5, 2.5, 2.5, 1));
    }

    @Test
    void evenRunsAverageTheTwoMiddleValues() {
        assertThat(Summary.of(List.of(4.0, 1.0, 10.0, 2.0))).isEqualTo(new Summary(3.0, 1.0, 10.0, 4));
    }

    @Test
    void theSamplesAreNotReordered() {
        List<Double> samples = new ArrayList<>(List.of(3.0, 1.0, 2.0));
        Summary.of(samples);
        Summary.percentile(samples, 50);
        assertThat(samples).containsExactly(3.0, 1.0, 2.0);
    }

    @Test
    void percentileIsNearestRank() {
        List<Double> oneTo500 = new ArrayList<>();
        for (int i = 500; i >= 1; i--) {
            oneTo500.add((double) i);
        }
        Collections.shuffle(oneTo500, new java.util.Random(7));
        assertThat(Summary.percentile(oneTo500, 99)).isEqualTo(495.0);
        assertThat(Summary.percentile(oneTo500, 50)).isEqualTo(250.0);
        assertThat(Summary.percentile(oneTo500, 100)).isEqualTo(500.0);
        assertThat(Summary.percentile(Arrays.asList(10.0, 20.0, 30.0, 40.0), 50)).isEqualTo(20.0);
        // With fewer than 100 samples p99 is the largest.
        assertThat(Summary.percentile(Arrays.asList(5.0, 1.0, 7.0), 99)).isEqualTo(7.0);
    }

    @Test
    void nothingToSummariseIsAnError() {
        assertThatThrownBy(() -> Summary.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Summary.of(List.of(1.0, Double.NaN))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Summary.percentile(List.of(1.0), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resultsRejectNonNumbersAsAnErrorOfThePath() {
        BenchResults r = new BenchResults(List.of(BenchPath.KERNEL));
        r.add(BenchPath.KERNEL, Figure.CPU_PER_GB, Double.POSITIVE_INFINITY);
        assertThat(r.summary(BenchPath.KERNEL, Figure.CPU_PER_GB)).isEmpty();
        assertThat(r.errors(BenchPath.KERNEL)).singleElement().asString().contains("CPU per GB");
    }
}
