package io.weft.dataplane.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command with a hard time limit and captures its output (stdout and stderr together). */
public final class Cmd {
    private Cmd() {
    }

    /** The outcome of a finished (or killed) command. */
    public record Result(List<String> command, int exitCode, String output, boolean timedOut) {
        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        public Result requireOk() {
            if (!ok()) {
                throw new IllegalStateException("'" + String.join(" ", command) + "' failed (exit " + exitCode
                        + (timedOut ? ", timed out" : "") + "): " + output);
            }
            return this;
        }
    }

    public static Result run(long timeoutSeconds, String... command) {
        return run(timeoutSeconds, List.of(command));
    }

    public static Result run(long timeoutSeconds, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            // Read on another thread so a chatty command can never block on a full pipe while we wait.
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try {
                    out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the process was killed
                }
            });
            reader.setDaemon(true);
            reader.start();
            boolean finished = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(5000);
            synchronized (out) {
                return new Result(new ArrayList<>(command), finished ? p.exitValue() : -1, out.toString(), !finished);
            }
        } catch (IOException e) {
            return new Result(new ArrayList<>(command), -1, e.toString(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(new ArrayList<>(command), -1, "interrupted", true);
        }
    }
}
