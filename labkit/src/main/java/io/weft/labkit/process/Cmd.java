package io.weft.labkit.process;

import io.weft.labkit.LabException;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A command the lab runs: to its end within a hard time limit ({@link #run}), or in the background as a service
 * that is talked to line by line ({@link #start}). Both streams are drained on their own threads, so a chatty
 * command never stalls on a full pipe; stdout and stderr are kept apart (iperf3 -J puts its JSON on stdout) and
 * together, in the order they arrived, for messages and for tests that look at everything a command printed.
 */
public final class Cmd implements AutoCloseable {
    private static final int TAIL_LINES = 30;
    private static final long DRAIN_WAIT_MILLIS = 5000;

    private final String name;
    private final List<String> command;
    private final Process process;
    private final StringBuilder stdout = new StringBuilder();
    private final StringBuilder stderr = new StringBuilder();
    private final StringBuilder output = new StringBuilder();
    private final Deque<String> tail = new ArrayDeque<>();
    private final BlockingQueue<String> stdoutLines = new ArrayBlockingQueue<>(10_000);
    private final Thread stdoutReader;
    private final Thread stderrReader;

    /** The outcome of a command that finished or was killed at its time limit. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, String output, boolean timedOut) {
        /** The result of a command whose two streams went to one place ({@code output}), e.g. one log file. */
        public Result(List<String> command, int exitCode, String output, boolean timedOut) {
            this(List.copyOf(command), exitCode, output, "", output, timedOut);
        }

        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** This result if the command succeeded; else a {@link LabException} naming the command, the exit and the output. */
        public Result requireOk() {
            if (!ok()) {
                throw new LabException("'" + String.join(" ", command) + "' failed (exit " + exitCode
                        + (timedOut ? ", killed at its time limit" : "") + "): " + output.strip());
            }
            return this;
        }
    }

    private Cmd(String name, List<String> command, Process process) {
        this.name = name;
        this.command = List.copyOf(command);
        this.process = process;
        this.stdoutReader = drain(process.getInputStream(), stdout, true);
        this.stderrReader = drain(process.getErrorStream(), stderr, false);
    }

    public static Result run(long timeoutSeconds, String... command) {
        return run(timeoutSeconds, List.of(command));
    }

    /** Runs {@code command} with stdin closed; kills it (and what it started) if it is not done in {@code timeoutSeconds}. */
    public static Result run(long timeoutSeconds, List<String> command) {
        Cmd c;
        try {
            c = launch(command.get(0), command);
        } catch (LabException e) {
            return new Result(List.copyOf(command), -1, "", e.getMessage(), e.getMessage(), false);
        }
        try {
            c.process.getOutputStream().close();
        } catch (IOException ignored) {
            // it has already exited
        }
        int exit = c.awaitExit(timeoutSeconds);
        boolean timedOut = exit == -1 && c.process.isAlive();
        if (timedOut) {
            c.close();
        }
        c.awaitDrained();
        return new Result(c.command, timedOut ? -1 : c.process.exitValue(), c.stdout(), c.stderr(), c.output(), timedOut);
    }

    /** Starts a long-running {@code command}; {@code name} labels it in messages. Close it to kill it. */
    public static Cmd start(String name, List<String> command) {
        return launch(name, command);
    }

    private static Cmd launch(String name, List<String> command) {
        try {
            return new Cmd(name, command, new ProcessBuilder(command).start());
        } catch (IOException e) {
            throw new LabException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Waits up to {@code seconds} for a stdout line that matches; null if none came (or the process ended first). */
    public String awaitLine(Predicate<String> wanted, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                String line = stdoutLines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
                if (line != null && wanted.test(line)) {
                    return line;
                }
                if (line == null && !process.isAlive() && !stdoutReader.isAlive() && stdoutLines.isEmpty()) {
                    return null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Writes one line to its stdin; false if it is gone. */
    public boolean send(String line) {
        try {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Everything it printed so far, both streams in the order they arrived. */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    public String stdout() {
        synchronized (output) {
            return stdout.toString();
        }
    }

    public String stderr() {
        synchronized (output) {
            return stderr.toString();
        }
    }

    /** The last lines it printed, for error messages. */
    public String tail() {
        synchronized (output) {
            return String.join("\n", tail);
        }
    }

    /**
     * Waits up to {@code seconds} for it to exit by itself; its exit code, or -1 if it is still running. Once it has
     * exited, what it printed last is in {@link #output()} too.
     */
    public int awaitExit(long seconds) {
        try {
            if (process.waitFor(seconds, TimeUnit.SECONDS)) {
                awaitDrained();
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /** Kills it and everything it started, if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill(process);
        }
    }

    /** Kills a process and everything it started, waiting a bounded time for it to go. */
    public static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitDrained() {
        try {
            stdoutReader.join(DRAIN_WAIT_MILLIS);
            stderrReader.join(DRAIN_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Copies a stream, as it comes, into {@code own} and the shared output; stdout's whole lines also go to the queue. */
    private Thread drain(InputStream stream, StringBuilder own, boolean queueLines) {
        Thread t = new Thread(() -> {
            StringBuilder line = new StringBuilder();
            char[] buf = new char[8192];
            try (Reader r = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
                int n;
                while ((n = r.read(buf)) > 0) {
                    synchronized (output) {
                        own.append(buf, 0, n);
                        output.append(buf, 0, n);
                    }
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == '\n') {
                            completeLine(line.toString(), queueLines);
                            line.setLength(0);
                        } else if (buf[i] != '\r') {
                            line.append(buf[i]);
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process was killed; keep what we have
            }
            if (line.length() > 0) {
                completeLine(line.toString(), queueLines);
            }
        }, "lab-" + name + (queueLines ? "-out" : "-err"));
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void completeLine(String line, boolean queue) {
        synchronized (output) {
            tail.addLast(line);
            if (tail.size() > TAIL_LINES) {
                tail.removeFirst();
            }
        }
        if (queue) {
            stdoutLines.offer(line);
        }
    }
}
