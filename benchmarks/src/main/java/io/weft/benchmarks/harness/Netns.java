package io.weft.benchmarks.harness;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace the bench created. Every namespace and interface the bench makes is named with
 * {@link #PREFIX}, so that {@link #deleteAll()} can remove what a crashed or interrupted run left behind
 * without touching anyone else's namespaces.
 */
final class Netns implements AutoCloseable {
    static final String PREFIX = "wbench-";
    private static final long TIMEOUT_SECONDS = 20;

    private final String name;

    private Netns(String name) {
        this.name = name;
    }

    static Netns create(String name) {
        if (!name.startsWith(PREFIX)) {
            throw new IllegalArgumentException("bench namespaces must start with " + PREFIX + ": " + name);
        }
        Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "del", name);
        Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "add", name).requireOk();
        Netns ns = new Netns(name);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /** Kills the processes in every {@code wbench-} namespace, deletes the namespaces and any {@code wbench-} link left in ours. */
    static void deleteAll() {
        for (String line : Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "list").stdout().split("\n")) {
            String n = line.trim().split("\\s+")[0];
            if (n.startsWith(PREFIX)) {
                killProcessesIn(n);
                Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "del", n);
            }
        }
        for (String line : Cmd.run(TIMEOUT_SECONDS, "ip", "-o", "link", "show").stdout().split("\n")) {
            String[] f = line.split(":\\s+");
            if (f.length > 1) {
                String n = f[1].split("@")[0];
                if (n.startsWith(PREFIX)) {
                    Cmd.run(TIMEOUT_SECONDS, "ip", "link", "del", n);
                }
            }
        }
    }

    private static void killProcessesIn(String ns) {
        for (String pid : Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "pids", ns).stdout().split("\\s+")) {
            if (pid.matches("\\d+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    String name() {
        return name;
    }

    /** {@code ip -n <ns> <args>}; it must succeed. */
    String ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return Cmd.run(TIMEOUT_SECONDS, cmd).requireOk().stdout();
    }

    /** Runs {@code command} inside the namespace with a time limit. */
    Cmd.Result exec(long timeoutSeconds, String... command) {
        return exec(timeoutSeconds, List.of(command));
    }

    Cmd.Result exec(long timeoutSeconds, List<String> command) {
        return Cmd.run(timeoutSeconds, wrap(command));
    }

    /**
     * Starts a long-running process inside the namespace. {@code ip netns exec} enters the namespace and then
     * execs the command, so the returned process's pid is the command's own (what /proc accounting needs).
     */
    Process spawn(List<String> command, boolean mergeStderr) {
        try {
            return new ProcessBuilder(wrap(command)).redirectErrorStream(mergeStderr).start();
        } catch (IOException e) {
            throw new BenchException("cannot start " + command.get(0) + " in " + name + ": " + e.getMessage(), e);
        }
    }

    List<String> wrap(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(command);
        return cmd;
    }

    /** True if a link of that name exists in the namespace. */
    boolean hasLink(String link) {
        return Cmd.run(TIMEOUT_SECONDS, "ip", "-n", name, "link", "show", link).ok();
    }

    /** Kills what still runs in the namespace, then deletes it. */
    @Override
    public void close() {
        killProcessesIn(name);
        Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "del", name);
    }
}
