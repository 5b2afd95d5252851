package io.weft.dataplane.netns;

import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace created by a test. Every name must start with {@link #PREFIX} so that leftovers of a
 * crashed run can be found and deleted ({@link #deleteLeftovers}) without touching anyone else's.
 */
public final class Netns implements AutoCloseable {
    public static final String PREFIX = "wdp-";
    private static final long TIMEOUT = 20;

    private final String name;

    private Netns(String name) {
        this.name = name;
    }

    public static Netns create(String name) {
        if (!name.startsWith(PREFIX)) {
            throw new IllegalArgumentException("test namespaces must start with " + PREFIX + ": " + name);
        }
        Cmd.run(TIMEOUT, "ip", "netns", "del", name);
        Cmd.run(TIMEOUT, "ip", "netns", "add", name).requireOk();
        Netns ns = new Netns(name);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /** Deletes namespaces (and root-namespace links) left by an earlier run whose names start with {@code prefix}. */
    public static void deleteLeftovers(String prefix) {
        if (!prefix.startsWith(PREFIX)) {
            throw new IllegalArgumentException(prefix);
        }
        for (String line : Cmd.run(TIMEOUT, "ip", "netns", "list").output().split("\n")) {
            String n = line.trim().split("\\s+")[0];
            if (n.startsWith(prefix)) {
                killProcessesIn(n);
                Cmd.run(TIMEOUT, "ip", "netns", "del", n);
            }
        }
        for (String line : Cmd.run(TIMEOUT, "ip", "-o", "link", "show").output().split("\n")) {
            String[] f = line.split(":\\s+");
            if (f.length > 1) {
                String n = f[1].split("@")[0];
                if (n.startsWith(prefix)) {
                    Cmd.run(TIMEOUT, "ip", "link", "del", n);
                }
            }
        }
    }

    private static void killProcessesIn(String ns) {
        for (String pid : Cmd.run(TIMEOUT, "ip", "netns", "pids", ns).output().split("\\s+")) {
            if (pid.matches("\\d+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    public String name() {
        return name;
    }

    /** {@code ip netns exec <ns> <command...>} with a time limit. */
    public Cmd.Result exec(long timeoutSeconds, String... command) {
        return Cmd.run(timeoutSeconds, wrap(List.of(command)));
    }

    /** {@code ip -n <ns> <args>}, which must succeed. */
    public String ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return Cmd.run(TIMEOUT, cmd).requireOk().output();
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

    /** Kills what still runs in the namespace, then deletes it. */
    @Override
    public void close() {
        killProcessesIn(name);
        Cmd.run(TIMEOUT, "ip", "netns", "del", name);
    }
}
