package io.weft.dataplane.netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code io.weft.dataplane.lab.StaticDataPlaneMain} running as its own JVM inside a namespace (a TUN device and a
 * socket belong to the namespace of the process that creates them), driven line by line over stdin/stdout.
 */
public final class WeftProcess implements AutoCloseable {
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final long REPLY_TIMEOUT_SECONDS = 15;
    private static final java.util.regex.Pattern LOG_LINE = java.util.regex.Pattern.compile("(TRACE|DEBUG|INFO|WARN|ERROR) \\S+ - ");

    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(10_000);
    private final StringBuilder transcript = new StringBuilder();

    private WeftProcess(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (transcript) {
                        transcript.append(line).append('\n');
                    }
                    // Log lines (slf4j-simple on stderr, merged here) are kept for the transcript, not as answers.
                    if (!LOG_LINE.matcher(line).lookingAt()) {
                        lines.offer(line);
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "weft-process-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** The java command line that runs the lab main with this JVM's class path. */
    public static List<String> javaCommand(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.weft.dataplane.lab.StaticDataPlaneMain");
        cmd.addAll(args);
        return cmd;
    }

    /** Starts the runner in {@code ns} and waits for "ready"; fails with its output if it exits instead. */
    public static WeftProcess start(Netns ns, List<String> args) {
        WeftProcess w = spawn(ns, args);
        String first = w.nextLine(START_TIMEOUT_SECONDS);
        if (!"ready".equals(first)) {
            w.close();
            throw new IllegalStateException("weft did not start in " + ns.name() + ": " + w.transcript());
        }
        return w;
    }

    /** Starts the runner and returns without waiting (for tests of start-up failures). */
    public static WeftProcess spawn(Netns ns, List<String> args) {
        try {
            Process p = new ProcessBuilder(ns.wrap(javaCommand(args))).redirectErrorStream(true).start();
            return new WeftProcess(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start java in " + ns.name(), e);
        }
    }

    /** The args for a host with static peers. */
    public static List<String> args(String device, HostSpec self, String network, int port, int workers, HostSpec... peers) {
        List<String> a = new ArrayList<>(List.of("--device", device, "--subnet", self.subnet(), "--network", network,
                "--mac", self.mac(), "--port", Integer.toString(port), "--workers", Integer.toString(workers), "--mtu", "1450"));
        for (HostSpec p : peers) {
            a.add("--peer");
            a.add(p.peerArg());
        }
        return a;
    }

    /** Sends one command and returns its one-line answer. */
    public String command(String line) {
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new IllegalStateException("weft is gone; output so far: " + transcript(), e);
        }
        String reply = nextLine(REPLY_TIMEOUT_SECONDS);
        if (reply == null) {
            throw new IllegalStateException("no answer to '" + line + "' within " + REPLY_TIMEOUT_SECONDS + " s; output: " + transcript());
        }
        return reply;
    }

    /** The stats JSON. */
    public String stats() {
        return command("stats");
    }

    /** A counter from the stats line (0 if absent). */
    public long counter(String key) {
        String json = stats();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no counter " + key + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    private String nextLine(long seconds) {
        try {
            return lines.poll(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Waits for the process to exit; its exit code, or -1 if it did not exit in time. */
    public int waitForExit(long seconds) {
        try {
            if (process.waitFor(seconds, TimeUnit.SECONDS)) {
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    public String transcript() {
        synchronized (transcript) {
            return transcript.toString();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                stdin.write("quit\n");
                stdin.flush();
            } catch (IOException ignored) {
                // already gone
            }
            waitForExit(10);
        }
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            waitForExit(10);
        }
    }

    /** Writes bytes to a temp file for tools that read files (socat). */
    public static Path tempFile(byte[] content) {
        try {
            Path f = Files.createTempFile("wdp-", ".bin");
            Files.write(f, content);
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
