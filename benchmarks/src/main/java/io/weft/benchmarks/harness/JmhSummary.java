package io.weft.benchmarks.harness;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The JMH suite's JSON result ({@code -rf json}) boiled down to one row per benchmark and parameter set: score
 * with its unit (ns/op for the average-time benchmarks) and, with {@code -prof gc}, bytes allocated per op.
 */
final class JmhSummary {
    private static final String ALLOC_NORM = "gc.alloc.rate.norm";

    /**
     * @param benchmark    class and method without the package, e.g. {@code TableLookupBenchmark.encapHit}
     * @param params       {@code name=value} pairs, comma-separated, or empty
     * @param mode         JMH mode ({@code avgt}, {@code thrpt}, ...)
     * @param score        the primary score
     * @param scoreError   its 99.9 % half-width as JMH reports it (NaN with a single iteration)
     * @param unit         the primary score's unit
     * @param bytesPerOp   {@code gc.alloc.rate.norm}, or null without {@code -prof gc}
     */
    record Row(String benchmark, String params, String mode, double score, double scoreError, String unit, Double bytesPerOp) {
    }

    private JmhSummary() {
    }

    static List<Row> parse(String json) {
        JsonNode root = Json.parse(json, "JMH result");
        if (!root.isArray()) {
            throw new BenchException("JMH result is not a JSON array of benchmarks: " + Json.abbreviate(json));
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode b : root) {
            String name = b.path("benchmark").asText();
            int cls = name.lastIndexOf('.', name.lastIndexOf('.') - 1);
            StringJoiner params = new StringJoiner(",");
            for (Map.Entry<String, JsonNode> e : b.path("params").properties()) {
                params.add(e.getKey() + "=" + e.getValue().asText());
            }
            JsonNode primary = b.path("primaryMetric");
            JsonNode alloc = b.path("secondaryMetrics").path(ALLOC_NORM);
            rows.add(new Row(name.substring(cls + 1), params.toString(), b.path("mode").asText(),
                    primary.path("score").asDouble(Double.NaN), primary.path("scoreError").asDouble(Double.NaN),
                    primary.path("scoreUnit").asText(), alloc.isObject() ? alloc.path("score").asDouble() : null));
        }
        return rows;
    }

    /** A fixed-width table: benchmark, params, score ± error, unit, B/op. */
    static String format(List<Row> rows) {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"benchmark", "params", "score", "error", "unit", "B/op"});
        for (Row r : rows) {
            lines.add(new String[] {r.benchmark(), r.params(), Numbers.human(r.score()),
                    Double.isNaN(r.scoreError()) ? "" : "± " + Numbers.human(r.scoreError()), r.unit(),
                    r.bytesPerOp() == null ? "-" : bytesPerOp(r.bytesPerOp())});
        }
        int[] w = new int[6];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                w[i] = Math.max(w[i], l[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] l : lines) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < l.length; i++) {
                boolean numeric = i == 2 || i == 5;
                String pad = " ".repeat(w[i] - l[i].length());
                line.append(numeric ? pad + l[i] : l[i] + pad).append("  ");
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** Two decimals: "0.00" says "no allocation per op" better than 0.00022 (a GC profiler's rounding noise). */
    static String bytesPerOp(double b) {
        return b >= 100 ? Numbers.human(b) : String.format(java.util.Locale.ROOT, "%.2f", b);
    }

    /** CSV: {@code benchmark,params,mode,score,score_error,unit,bytes_per_op}; params are quoted (they hold commas). */
    static String csv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("benchmark,params,mode,score,score_error,unit,bytes_per_op\n");
        for (Row r : rows) {
            sb.append(r.benchmark()).append(",\"").append(r.params().replace("\"", "\"\"")).append("\",")
                    .append(r.mode()).append(',').append(Numbers.exact(r.score())).append(',')
                    .append(Double.isNaN(r.scoreError()) ? "" : Numbers.exact(r.scoreError())).append(',')
                    .append(r.unit()).append(',')
                    .append(r.bytesPerOp() == null ? "" : Numbers.exact(r.bytesPerOp())).append('\n');
        }
        return sb.toString();
    }
}
