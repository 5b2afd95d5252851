package io.weft.benchmarks.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A long-running tunnel end (weft, socat, openvpn) inside a namespace. Its stdout lines are queued for whoever
 * talks to it; the last lines of both streams are kept to explain a failure.
 */
final class ServiceProcess implements AutoCloseable {
    private static final int TAIL_LINES = 30;

    final String name;
    private final Process process;
    private final BlockingQueue<String> stdoutLines = new ArrayBlockingQueue<>(10_000);
    private final Deque<String> tail = new ArrayDeque<>();

    private ServiceProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        read(process.getInputStream(), true);
        read(process.getErrorStream(), false);
    }

    static ServiceProcess start(Netns ns, String name, List<String> command) {
        return new ServiceProcess(name, ns.spawn(command, false));
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits up to {@code seconds} for a stdout line that matches; null if none came (or the process ended). */
    String awaitLine(Predicate<String> wanted, long seconds) {
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
                if (line == null && !process.isAlive() && stdoutLines.isEmpty()) {
                    return null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Writes one line to its stdin; false if it is gone. */
    boolean send(String line) {
        try {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last lines it printed, for error messages. */
    String tail() {
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }

    /** Waits for it to exit by itself; true if it did. */
    boolean awaitExit(long seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            Cmd.kill(process);
        }
    }

    private void read(InputStream stream, boolean queue) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > TAIL_LINES) {
                            tail.removeFirst();
                        }
                    }
                    if (queue) {
                        stdoutLines.offer(line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "bench-" + name + (queue ? "-out" : "-err"));
        t.setDaemon(true);
        t.start();
    }
}
