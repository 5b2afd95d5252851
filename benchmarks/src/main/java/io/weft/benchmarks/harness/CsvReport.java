package io.weft.benchmarks.harness;

import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * results.csv: one line per path and figure that has samples:
 * {@code path,figure,unit,median,min,max,runs,ratio_to_kernel_vxlan,samples} (samples space-separated; an empty
 * ratio where none applies). Path ids, figure keys and units contain no commas or quotes.
 */
final class CsvReport {
    static final String HEADER = "path,figure,unit,median,min,max,runs,ratio_to_kernel_vxlan,samples";

    private CsvReport() {
    }

    static String format(BenchResults results) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (BenchPath p : results.paths()) {
            for (Figure f : Figure.values()) {
                Optional<Summary> s = results.summary(p, f);
                if (s.isEmpty()) {
                    continue;
                }
                OptionalDouble r = results.ratioToKernel(p, f);
                sb.append(p.id).append(',').append(f.key).append(',').append(f.unit).append(',')
                        .append(Numbers.exact(s.get().median())).append(',')
                        .append(Numbers.exact(s.get().min())).append(',')
                        .append(Numbers.exact(s.get().max())).append(',')
                        .append(s.get().runs()).append(',')
                        .append(r.isPresent() ? Numbers.exact(r.getAsDouble()) : "").append(',')
                        .append(results.samples(p, f).stream().map(Numbers::exact).collect(Collectors.joining(" ")))
                        .append('\n');
            }
        }
        return sb.toString();
    }
}
