package io.weft.benchmarks.harness;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** How figures are written: three significant digits for people, six for files. */
final class Numbers {
    private Numbers() {
    }

    /** For the printed table: 1234 → "1234", 12.345 → "12.3", 1.2345 → "1.23", 0.01234 → "0.012". */
    static String human(double v) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 100 || v == 0) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 0.1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return new BigDecimal(v).round(new MathContext(2)).stripTrailingZeros().toPlainString();
    }

    /** A ratio: "0.17x", "3.01x", "172x". */
    static String ratio(double r) {
        return String.format(Locale.ROOT, Math.abs(r) >= 10 ? "%.0fx" : "%.2fx", r);
    }

    /** For CSV and JSON: six significant digits, plain notation, no trailing zeros. */
    static String exact(double v) {
        if (!Double.isFinite(v)) {
            return "";
        }
        if (v == 0) {
            return "0";
        }
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
