package io.weft.benchmarks.harness;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command with a hard time limit, capturing stdout and stderr apart (iperf3 -J: JSON on stdout). */
final class Cmd {
    private Cmd() {
    }

    /** The outcome of a command that finished or was killed at its time limit. */
    record Result(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {
        boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        Result requireOk() {
            if (!ok()) {
                throw new BenchException("'" + String.join(" ", command) + "' failed (exit " + exitCode
                        + (timedOut ? ", killed at its time limit" : "") + "): " + (stderr + " " + stdout).strip());
            }
            return this;
        }
    }

    static Result run(long timeoutSeconds, String... command) {
        return run(timeoutSeconds, List.of(command));
    }

    static Result run(long timeoutSeconds, List<String> command) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            return new Result(List.copyOf(command), -1, "", "cannot start: " + e.getMessage(), false);
        }
        try {
            p.getOutputStream().close();
            // Drained on their own threads so a chatty command can never stall on a full pipe.
            Drain out = Drain.start(p.getInputStream());
            Drain err = Drain.start(p.getErrorStream());
            boolean finished = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!finished) {
                kill(p);
            }
            return new Result(List.copyOf(command), finished ? p.exitValue() : -1, out.text(), err.text(), !finished);
        } catch (IOException e) {
            kill(p);
            return new Result(List.copyOf(command), -1, "", e.toString(), false);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            return new Result(List.copyOf(command), -1, "", "interrupted", true);
        }
    }

    /** Kills a process and everything it started, waiting a bounded time for it to go. */
    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads a stream to its end on a daemon thread. */
    static final class Drain {
        private final Thread thread;
        private final StringBuilder text = new StringBuilder();

        private Drain(InputStream in) {
            thread = new Thread(() -> {
                try {
                    String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    synchronized (text) {
                        text.append(s);
                    }
                } catch (IOException ignored) {
                    // the process was killed; keep what we have
                }
            }, "bench-drain");
            thread.setDaemon(true);
        }

        static Drain start(InputStream in) {
            Drain d = new Drain(in);
            d.thread.start();
            return d;
        }

        String text() throws InterruptedException {
            thread.join(5000);
            synchronized (text) {
                return text.toString();
            }
        }
    }
}
