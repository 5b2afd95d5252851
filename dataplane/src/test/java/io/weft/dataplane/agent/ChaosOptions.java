package io.weft.dataplane.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code scripts/chaos} was asked for: {@code --only <trial>[,<trial>...]}, {@code --quick} (shorter outages,
 * fewer datagrams, kills and leases: a smoke run), {@code --soak-seconds N} (default 600, or 20 with --quick).
 */
record ChaosOptions(List<String> only, boolean quick, int soakSeconds) {
    static final List<String> TRIALS = List.of("etcd-down", "etcd-return", "compaction", "flood", "kill-loop", "soak", "scale");

    static ChaosOptions parse(String... args) {
        List<String> only = new ArrayList<>();
        boolean quick = false;
        Integer soak = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--only" -> {
                    for (String t : value(args, ++i, "--only").split(",")) {
                        if (!TRIALS.contains(t)) {
                            throw new IllegalArgumentException("--only " + t + ": no such trial; the trials are " + String.join(", ", TRIALS));
                        }
                        only.add(t);
                    }
                }
                case "--soak-seconds" -> {
                    String v = value(args, ++i, "--soak-seconds");
                    if (!v.matches("\\d{1,5}") || Integer.parseInt(v) < 10) {
                        throw new IllegalArgumentException("--soak-seconds " + v + ": give a whole number of seconds, at least 10");
                    }
                    soak = Integer.parseInt(v);
                }
                default -> throw new IllegalArgumentException(args[i] + ": unknown option; use --only <trial>, --quick, --soak-seconds N");
            }
        }
        return new ChaosOptions(only.isEmpty() ? TRIALS : List.copyOf(only), quick, soak != null ? soak : quick ? 20 : 600);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    boolean runs(String trial) {
        return only.contains(trial);
    }

    /** {@code full} normally, {@code quick} with --quick. */
    int pick(int full, int quick) {
        return this.quick ? quick : full;
    }
}
