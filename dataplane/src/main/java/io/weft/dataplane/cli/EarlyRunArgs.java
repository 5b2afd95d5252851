package io.weft.dataplane.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code main} must know of a {@code weft run} command line before picocli parses it, read by a plain scan: is it
 * a run of the agent (not its help or version), its run dir ({@code --run-dir}, {@code WEFT_RUN_DIR}, or
 * {@code /run/weft}, the option's default) and whether {@code -v} asks for debug logging (slf4j-simple fixes its level
 * when the first logger is made, and the early start logs). A command line this scan reads differently from picocli
 * only costs the early start: the agent then starts as usual.
 */
record EarlyRunArgs(Path runDir, boolean debug) {
    static final String DEFAULT_RUN_DIR = "/run/weft";

    /** The early view of {@code args}, or null when they are not a run of the agent. */
    static EarlyRunArgs of(String[] args, Map<String, String> env) {
        if (args.length == 0 || !args[0].equals("run")) {
            return null;
        }
        String runDir = env.getOrDefault("WEFT_RUN_DIR", DEFAULT_RUN_DIR);
        String verbosity = env.getOrDefault("FLANNELD_V", "0");
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : i + 1 < args.length ? args[i + 1] : "";
            switch (name) {
                case "-h", "--help", "-help", "-V", "--version", "-version":
                    return null;
                case "--run-dir", "-run-dir":
                    runDir = value;
                    break;
                case "-v", "--v":
                    verbosity = value;
                    break;
                default:
                    break;
            }
        }
        return new EarlyRunArgs(Path.of(runDir), !verbosity.isEmpty() && !verbosity.equals("0"));
    }
}
