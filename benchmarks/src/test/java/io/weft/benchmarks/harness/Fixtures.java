package io.weft.benchmarks.harness;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Checked-in samples of real tool output, and a small result set with round numbers. */
final class Fixtures {
    private Fixtures() {
    }

    static String resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * veth, kernel VXLAN and weft->kernel over three runs: kernel TCP 1 stream 4, 2, 3 Gb/s (median 3), weft 1, 0.5,
     * 0.75 (median 0.75, ratio 0.25); weft also has CPU per GB and RSS; kernel-to-weft has nothing but an error.
     */
    static BenchResults results() {
        BenchResults r = new BenchResults(List.of(BenchPath.VETH, BenchPath.KERNEL, BenchPath.WEFT_TO_KERNEL, BenchPath.KERNEL_TO_WEFT));
        for (double v : new double[] {5, 6, 7}) {
            r.add(BenchPath.VETH, Figure.TCP1_FWD, v);
        }
        for (double v : new double[] {4, 2, 3}) {
            r.add(BenchPath.KERNEL, Figure.TCP1_FWD, v);
        }
        for (double v : new double[] {1, 0.5, 0.75}) {
            r.add(BenchPath.WEFT_TO_KERNEL, Figure.TCP1_FWD, v);
        }
        r.add(BenchPath.KERNEL, Figure.LATENCY_P50, 80);
        r.add(BenchPath.WEFT_TO_KERNEL, Figure.LATENCY_P50, 200);
        r.add(BenchPath.WEFT_TO_KERNEL, Figure.CPU_PER_GB, 6.5);
        r.add(BenchPath.WEFT_TO_KERNEL, Figure.PEAK_RSS, 143.25);
        r.error(BenchPath.KERNEL_TO_WEFT, "run 1: set-up failed: weft did not become ready");
        return r;
    }

    static Environment environment() {
        return new Environment("2026-11-27T16:03:19Z", "vm", "6.18.44", "AMD EPYC", 2, "abc1234-dirty",
                "OpenJDK 17", "iperf 3.12", "1.00 0.50 0.25 1/100 123");
    }
}
