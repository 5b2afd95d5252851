package io.weft.dataplane.agent;

import io.weft.labkit.netns.Netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code java -jar weft.jar <args>} running inside a namespace, its output in a file. */
final class AgentProcess implements AutoCloseable {
    final Process process;
    final Path log;

    private AgentProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** The JVM options of most tests' agents: small and quick to start (not what users run: {@link #unitJvmOptions}). */
    static final List<String> TEST_JVM = List.of("-Xmx200m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    static AgentProcess start(Netns ns, Path log, Map<String, String> env, List<String> javaPrefix, String... args)
            throws IOException {
        return start(ns, log, env, javaPrefix, TEST_JVM, args);
    }

    /** Starts the agent with {@code jvmOptions} (before {@code -jar}). */
    static AgentProcess start(Netns ns, Path log, Map<String, String> env, List<String> javaPrefix,
            List<String> jvmOptions, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(javaPrefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", AgentLab.JAR.toString()));
        cmd.addAll(List.of(args));
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns.name(), "env"));
        env.forEach((k, v) -> full.add(k + "=" + v));
        full.addAll(cmd);
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
        return new AgentProcess(pb.start(), log);
    }

    /** WEFT_JAVA_OPTS of the unit's environment file (src/systemd/weft.env): the JVM options users run weft with. */
    static List<String> unitJvmOptions() throws IOException {
        Path env = Path.of("..", "src", "systemd", "weft.env").toAbsolutePath().normalize();
        for (String line : Files.readAllLines(env)) {
            if (line.startsWith("WEFT_JAVA_OPTS=")) {
                return List.of(line.substring("WEFT_JAVA_OPTS=".length()).trim().split("\\s+"));
            }
        }
        throw new AssertionError("no WEFT_JAVA_OPTS in " + env);
    }

    static AgentProcess start(Netns ns, Path log, String... args) throws IOException {
        return start(ns, log, Map.of(), List.of(), args);
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits until the output contains {@code text}; fails with the output if the process exits or time runs out. */
    void awaitOutput(String text, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (output().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("weft exited (" + process.exitValue() + ") before printing \"" + text + "\":\n" + output());
            }
            Thread.sleep(200);
        }
        throw new AssertionError("weft did not print \"" + text + "\" within " + seconds + " s:\n" + output());
    }

    /** Sends SIGTERM (a clean stop, as systemd does) and waits for the exit; returns the exit code. */
    int stop(long seconds) throws InterruptedException {
        // The process is "ip netns exec … java": signal the java process itself.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            close();
            throw new AssertionError("weft did not stop within " + seconds + " s:\n" + output());
        }
        return process.exitValue();
    }

    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("weft did not exit within " + seconds + " s:\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
