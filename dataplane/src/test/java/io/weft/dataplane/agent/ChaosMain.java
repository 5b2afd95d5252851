package io.weft.dataplane.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The chaos suite's driver, started by {@code scripts/chaos} (as root, from {@code dataplane/}): builds one
 * {@link ChaosCluster}, runs the chosen trials on it in a fixed order, prints one Markdown table on stdout, and exits 1
 * when a trial is outside what it allows (or could not run), 2 on a bad option. Progress goes to stderr.
 */
public final class ChaosMain {
    private ChaosMain() {
    }

    public static void main(String[] args) {
        ChaosOptions options;
        try {
            options = ChaosOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("chaos: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<ChaosRow> rows;
        try {
            rows = run(options);
        } catch (Exception e) {
            System.err.println("chaos: the cluster did not come up: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.print(ChaosRow.table(rows));
        System.exit(rows.stream().anyMatch(r -> Boolean.FALSE.equals(r.passed())) ? 1 : 0);
    }

    /** Runs the trials {@code options} selects on a fresh cluster, which is gone afterwards. */
    static List<ChaosRow> run(ChaosOptions options) throws Exception {
        List<ChaosRow> rows = new ArrayList<>();
        Instant began = Instant.now();
        say("building the cluster (namespaces " + ChaosCluster.PREFIX + "*)");
        try (ChaosCluster c = ChaosCluster.start()) {
            ChaosEtcdTrials etcd = new ChaosEtcdTrials(c, options);
            trial(rows, options, "etcd-down", "0 lost", etcd::etcdDown);
            trial(rows, options, "etcd-return", "within the stated backoff", etcd::leaseAfterReturn);
            trial(rows, options, "compaction", "right both times", etcd::compaction);
            trial(rows, options, "flood", "none delivered", new ChaosFloodTrial(c, options)::run);
            trial(rows, options, "kill-loop", "no leftover state", new ChaosKillLoopTrial(c, options)::run);
            trial(rows, options, "soak", "no growth trend", new ChaosSoakTrial(c, options)::run);
            trial(rows, options, "scale", "", new ChaosScaleTrial(c, options)::run);
        }
        say("done in " + Duration.between(began, Instant.now()).toSeconds() + " s");
        return rows;
    }

    interface Trial {
        ChaosRow run() throws Exception;
    }

    private static void trial(List<ChaosRow> rows, ChaosOptions options, String name, String allowed, Trial t) {
        if (!options.runs(name)) {
            return;
        }
        say("trial " + name);
        Instant began = Instant.now();
        ChaosRow row;
        try {
            row = t.run();
        } catch (Exception | AssertionError e) {
            row = ChaosRow.failed(name, allowed, e);
        }
        say("  " + row.result() + " in " + Duration.between(began, Instant.now()).toSeconds() + " s: " + row.figures());
        rows.add(row);
    }

    private static void say(String line) {
        System.err.println("chaos: " + line);
    }
}
