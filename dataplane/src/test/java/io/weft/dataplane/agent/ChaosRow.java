package io.weft.dataplane.agent;

import java.util.List;

/**
 * One line of the chaos table: the trial, what it measured, what is allowed, and whether the measurement is within
 * it. {@code passed} is null for a trial that only reports figures.
 */
record ChaosRow(String trial, String figures, String allowed, Boolean passed) {

    static ChaosRow checked(String trial, String figures, String allowed, boolean passed) {
        return new ChaosRow(trial, figures, allowed, passed);
    }

    static ChaosRow reported(String trial, String figures) {
        return new ChaosRow(trial, figures, "", null);
    }

    static ChaosRow failed(String trial, String allowed, Throwable t) {
        String why = t.getMessage() == null ? t.toString() : t.getMessage().split("\n", 2)[0];
        return new ChaosRow(trial, "trial failed: " + why, allowed, false);
    }

    String result() {
        return passed == null ? "-" : passed ? "ok" : "FAIL";
    }

    /** The rows as one Markdown table (it goes into the README as printed). */
    static String table(List<ChaosRow> rows) {
        StringBuilder sb = new StringBuilder("| trial | measured | allowed | result |\n|---|---|---|---|\n");
        for (ChaosRow r : rows) {
            sb.append("| ").append(r.trial).append(" | ").append(r.figures.replace("|", "/")).append(" | ")
                    .append(r.allowed).append(" | ").append(r.result()).append(" |\n");
        }
        return sb.toString();
    }
}
