package io.weft.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.BiFunction;

/**
 * The printed report: one row per figure, one column per path. Cells of the user-space tunnels also give the
 * ratio of their median to kernel VXLAN's median from the same invocation. A second table gives min..max.
 */
final class RatioTable {
    private static final String MISSING = "-";

    private RatioTable() {
    }

    static String format(BenchResults results) {
        List<BenchPath> paths = results.paths();
        StringBuilder out = new StringBuilder();
        out.append("Median of each figure; (ratio) = median / kernel VXLAN median from this run (for the IPv6 paths,"
                + " ending in 6: / kernel VXLAN6).\n");
        out.append(table(paths, (path, figure) -> medianCell(results, path, figure)));
        out.append("\nSpread over the runs (min..max):\n");
        out.append(table(paths, (path, figure) -> results.summary(path, figure)
                .map(s -> Numbers.human(s.min()) + ".." + Numbers.human(s.max())).orElse(MISSING)));
        out.append("\nHigher is better for Gb/s and kpps; lower is better for loss, RTT, CPU per GB and RSS.\n");
        out.append("CPU per GB: CPU seconds of the tunnel's user-space processes (both ends) per GB of TCP payload.\n");
        if (paths.stream().anyMatch(BenchPath::ipv6)) {
            out.append("IPv6 paths: inner IPv6 over the IPv6 underlay, route MTU 1430; their UDP datagrams are 20 B"
                    + " shorter (1380 and 44 B), so the inner packets are as long as IPv4's.\n");
        }
        out.append("system CPU per GB: busy seconds of all CPUs (/proc/stat, iperf3 and the kernel included) per GB of"
                + " TCP payload.\n");
        for (BenchPath p : paths) {
            for (String e : results.errors(p)) {
                out.append("! ").append(p.label).append(": ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    static String medianCell(BenchResults results, BenchPath path, Figure figure) {
        Optional<Summary> s = results.summary(path, figure);
        if (s.isEmpty()) {
            return MISSING;
        }
        String cell = Numbers.human(s.get().median());
        OptionalDouble r = results.ratioToKernel(path, figure);
        return r.isPresent() ? cell + " (" + Numbers.ratio(r.getAsDouble()) + ")" : cell;
    }

    private static String table(List<BenchPath> paths, BiFunction<BenchPath, Figure, String> cell) {
        List<String[]> rows = new ArrayList<>();
        String[] header = new String[paths.size() + 2];
        header[0] = "figure";
        header[1] = "unit";
        for (int i = 0; i < paths.size(); i++) {
            header[i + 2] = paths.get(i).label;
        }
        rows.add(header);
        for (Figure f : Figure.values()) {
            String[] row = new String[paths.size() + 2];
            row[0] = f.label;
            row[1] = f.unit;
            for (int i = 0; i < paths.size(); i++) {
                row[i + 2] = cell.apply(paths.get(i), f);
            }
            rows.add(row);
        }
        return align(rows);
    }

    /** The rows as text, each column as wide as its widest cell plus two spaces. */
    static String align(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(width[i] - row[i].length() + 2));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }
}
