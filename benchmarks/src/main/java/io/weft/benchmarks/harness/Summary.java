package io.weft.benchmarks.harness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Median, minimum and maximum of one figure over the runs. An even number of runs takes the mean of the two
 * middle values as the median.
 */
record Summary(double median, double min, double max, int runs) {

    static Summary of(List<Double> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples to summarise");
        }
        List<Double> sorted = sorted(samples);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return new Summary(median, sorted.get(0), sorted.get(n - 1), n);
    }

    /**
     * The nearest-rank percentile ({@code p} in (0, 100]): the smallest sample such that at least p % of the
     * samples are less than or equal to it. p99 of 500 ping replies is the 495th smallest.
     */
    static double percentile(List<Double> samples, double p) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples for a percentile");
        }
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100]: " + p);
        }
        List<Double> sorted = sorted(samples);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(rank, 1) - 1);
    }

    private static List<Double> sorted(List<Double> samples) {
        List<Double> s = new ArrayList<>(samples);
        for (Double d : s) {
            if (d == null || d.isNaN()) {
                throw new IllegalArgumentException("samples must be numbers: " + samples);
            }
        }
        Collections.sort(s);
        return s;
    }
}
