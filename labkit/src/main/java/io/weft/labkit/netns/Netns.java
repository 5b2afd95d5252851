package io.weft.labkit.netns;

import io.weft.labkit.process.Cmd;

import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace the lab created. Every name starts with one of {@link #PREFIXES} ({@code wdp-} for the
 * tests, {@code wbench-} for the bench), so that what a crashed or interrupted run left behind can be found and
 * deleted ({@link #deleteLeftovers}) without touching anyone else's namespaces.
 */
public final class Netns implements AutoCloseable {
    public static final String TEST_PREFIX = "wdp-";
    public static final String BENCH_PREFIX = "wbench-";
    public static final List<String> PREFIXES = List.of(TEST_PREFIX, BENCH_PREFIX);
    private static final long TIMEOUT_SECONDS = 20;

    private final String name;

    private Netns(String name) {
        this.name = name;
    }

    /** Creates namespace {@code name} (deleting a leftover of that name first) with its loopback up. */
    public static Netns create(String name) {
        requireLabName(name);
        Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "del", name);
        Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "add", name).requireOk();
        Netns ns = new Netns(name);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /**
     * Kills the processes in every namespace whose name starts with {@code prefix}, deletes those namespaces, and
     * deletes links of such names left in ours.
     */
    public static void deleteLeftovers(String prefix) {
        requireLabName(prefix);
        for (String line : Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "list").stdout().split("\n")) {
            String n = line.trim().split("\\s+")[0];
            if (n.startsWith(prefix)) {
                killProcessesIn(n);
                Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "del", n);
            }
        }
        for (String line : Cmd.run(TIMEOUT_SECONDS, "ip", "-o", "link", "show").stdout().split("\n")) {
            String[] f = line.split(":\\s+");
            if (f.length > 1) {
                String n = f[1].split("@")[0];
                if (n.startsWith(prefix)) {
                    Cmd.run(TIMEOUT_SECONDS, "ip", "link", "del", n);
                }
            }
        }
    }

    private static void requireLabName(String name) {
        if (PREFIXES.stream().noneMatch(name::startsWith)) {
            throw new IllegalArgumentException("lab namespaces must start with " + String.join(" or ", PREFIXES) + ": " + name);
        }
    }

    private static void killProcessesIn(String ns) {
        for (String pid : Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "pids", ns).stdout().split("\\s+")) {
            if (pid.matches("\\d+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    public String name() {
        return name;
    }

    /** {@code ip -n <ns> <args>}, which must succeed; its stdout. */
    public String ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return Cmd.run(TIMEOUT_SECONDS, cmd).requireOk().stdout();
    }

    /** Runs {@code command} inside the namespace with a time limit. */
    public Cmd.Result exec(long timeoutSeconds, String... command) {
        return exec(timeoutSeconds, List.of(command));
    }

    public Cmd.Result exec(long timeoutSeconds, List<String> command) {
        return Cmd.run(timeoutSeconds, wrap(command));
    }

    /**
     * Starts a long-running process inside the namespace. {@code ip netns exec} enters the namespace and then
     * execs the command, so the process's pid is the command's own (what /proc accounting needs).
     */
    public Cmd start(String label, List<String> command) {
        return Cmd.start(label, wrap(command));
    }

    /** The command line that runs {@code command} inside this namespace. */
    public List<String> wrap(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(command);
        return cmd;
    }

    public ProcessBuilder processBuilder(String... command) {
        return new ProcessBuilder(wrap(List.of(command)));
    }

    /** True if a link of that name exists in the namespace. */
    public boolean hasLink(String link) {
        return Cmd.run(TIMEOUT_SECONDS, "ip", "-n", name, "link", "show", link).ok();
    }

    /** Kills what still runs in the namespace, then deletes it. */
    @Override
    public void close() {
        killProcessesIn(name);
        Cmd.run(TIMEOUT_SECONDS, "ip", "netns", "del", name);
    }
}
