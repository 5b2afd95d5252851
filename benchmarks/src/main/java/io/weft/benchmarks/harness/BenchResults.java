package io.weft.benchmarks.harness;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/** Every sample taken in one bench invocation, by path and figure, with what went wrong along the way. */
final class BenchResults {
    private final List<BenchPath> paths;
    private final Map<BenchPath, Map<Figure, List<Double>>> samples = new EnumMap<>(BenchPath.class);
    private final Map<BenchPath, List<String>> errors = new EnumMap<>(BenchPath.class);
    private final Map<BenchPath, List<Map<String, Object>>> diagnostics = new EnumMap<>(BenchPath.class);

    /** @param paths the paths in the order they are reported */
    BenchResults(List<BenchPath> paths) {
        this.paths = List.copyOf(paths);
    }

    List<BenchPath> paths() {
        return paths;
    }

    synchronized void add(BenchPath path, Figure figure, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            error(path, figure.label + ": not a number (" + value + ")");
            return;
        }
        samples.computeIfAbsent(path, p -> new EnumMap<>(Figure.class)).computeIfAbsent(figure, f -> new ArrayList<>()).add(value);
    }

    synchronized void error(BenchPath path, String message) {
        errors.computeIfAbsent(path, p -> new ArrayList<>()).add(message);
    }

    synchronized void diagnostics(BenchPath path, Map<String, Object> d) {
        if (!d.isEmpty()) {
            diagnostics.computeIfAbsent(path, p -> new ArrayList<>()).add(new LinkedHashMap<>(d));
        }
    }

    synchronized List<Double> samples(BenchPath path, Figure figure) {
        return List.copyOf(samples.getOrDefault(path, Map.of()).getOrDefault(figure, List.of()));
    }

    Optional<Summary> summary(BenchPath path, Figure figure) {
        List<Double> s = samples(path, figure);
        return s.isEmpty() ? Optional.empty() : Optional.of(Summary.of(s));
    }

    /**
     * The path's median over kernel VXLAN's median of the same figure in this invocation (of the same family: an IPv6
     * path's over kernel VXLAN6's), for paths compared to the kernel and figures the kernel has. Empty when either is
     * missing or the kernel's is zero.
     */
    OptionalDouble ratioToKernel(BenchPath path, Figure figure) {
        if (!path.comparedToKernel || !figure.againstKernel) {
            return OptionalDouble.empty();
        }
        Optional<Summary> mine = summary(path, figure);
        Optional<Summary> kernel = summary(path.reference(), figure);
        if (mine.isEmpty() || kernel.isEmpty() || kernel.get().median() == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(mine.get().median() / kernel.get().median());
    }

    synchronized List<String> errors(BenchPath path) {
        return List.copyOf(errors.getOrDefault(path, List.of()));
    }

    synchronized List<Map<String, Object>> diagnostics(BenchPath path) {
        return List.copyOf(diagnostics.getOrDefault(path, List.of()));
    }
}
