package io.weft.labkit.vxlan;

import io.weft.labkit.LabException;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client of {@code io.weft.dataplane.lab.StaticDataPlaneMain}: weft's data plane with static peers and no etcd,
 * run as its own JVM inside a namespace (a TUN device and a socket belong to the namespace of the process that
 * creates them). It prints {@code ready}, then answers each command line on stdin with one line on stdout
 * ({@code stats}, {@code caps}, {@code peer add|del ...}); {@code quit} makes it undo its link setup and exit. Its
 * log goes to stderr and is kept, with the answers, in {@link #transcript()}.
 */
public final class StaticDataPlane implements AutoCloseable {
    public static final String MAIN = "io.weft.dataplane.lab.StaticDataPlaneMain";
    /** The TUN MTU every lab gives it: a 1500-byte underlay minus VXLAN's 50. */
    public static final int MTU = 1450;
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final long REPLY_TIMEOUT_SECONDS = 15;

    private final Cmd process;

    /**
     * The JVM it runs on.
     *
     * @param java      the java executable
     * @param options   JVM options
     * @param classPath where {@link #MAIN} and its dependencies are (weft.jar, or a test class path)
     */
    public record Jvm(String java, List<String> options, String classPath) {
        /** This JVM's java and class path, with a small serial-GC heap: what the tests run it with. */
        public static Jvm current() {
            return new Jvm(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    List.of("-Xmx256m", "-XX:+UseSerialGC"), System.getProperty("java.class.path"));
        }

        List<String> command(List<String> args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(options);
            cmd.addAll(List.of("-cp", classPath, MAIN));
            cmd.addAll(args);
            return cmd;
        }
    }

    private StaticDataPlane(Cmd process) {
        this.process = process;
    }

    /**
     * The arguments for a host with static peers: TUN {@code device}, {@code self}'s lease in {@code network},
     * VXLAN {@code port}, {@code workers} (0 for weft's default) and MTU {@link #MTU}.
     */
    public static List<String> args(String device, OverlayHost self, String network, int port, int workers, OverlayHost... peers) {
        List<String> a = new ArrayList<>(List.of("--device", device, "--subnet", self.subnet(), "--network", network,
                "--mac", self.mac(), "--port", Integer.toString(port), "--mtu", Integer.toString(MTU)));
        if (workers > 0) {
            a.addAll(List.of("--workers", Integer.toString(workers)));
        }
        for (OverlayHost p : peers) {
            a.add("--peer");
            a.add(p.peerArg());
        }
        return a;
    }

    /** Starts it in {@code ns} on this JVM's class path and waits for "ready". */
    public static StaticDataPlane start(Netns ns, List<String> args) {
        return start(ns, Jvm.current(), args);
    }

    /** Starts it in {@code ns} and waits for "ready"; fails with its output if it exits or stays silent instead. */
    public static StaticDataPlane start(Netns ns, Jvm jvm, List<String> args) {
        StaticDataPlane w = spawn(ns, jvm, args, "weft-" + ns.name());
        if (w.process.awaitLine("ready"::equals, START_TIMEOUT_SECONDS) == null) {
            w.close();
            throw new LabException("weft did not become ready in " + ns.name() + " within " + START_TIMEOUT_SECONDS
                    + " s (is " + jvm.classPath() + " built and current?): " + w.transcript());
        }
        return w;
    }

    /** Starts it on this JVM's class path and returns without waiting (for tests of start-up failures). */
    public static StaticDataPlane spawn(Netns ns, List<String> args) {
        return spawn(ns, Jvm.current(), args, "weft-" + ns.name());
    }

    /** Starts it without waiting; {@code label} names it in messages and its process. */
    public static StaticDataPlane spawn(Netns ns, Jvm jvm, List<String> args, String label) {
        return new StaticDataPlane(ns.start(label, jvm.command(args)));
    }

    /** The process, for CPU and memory accounting. */
    public Cmd process() {
        return process;
    }

    /** Sends one command and returns its one-line answer. */
    public String command(String line) {
        if (!process.send(line)) {
            throw new LabException("weft is gone; output so far: " + transcript());
        }
        String reply = process.awaitLine(l -> true, REPLY_TIMEOUT_SECONDS);
        if (reply == null) {
            throw new LabException("no answer to '" + line + "' within " + REPLY_TIMEOUT_SECONDS + " s; output: " + transcript());
        }
        return reply;
    }

    /** The counters, as one JSON line. */
    public String stats() {
        return command("stats");
    }

    /** One counter from the stats line. */
    public long counter(String key) {
        String json = stats();
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        if (!m.find()) {
            throw new LabException("no counter " + key + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    /** Waits for the process to exit; its exit code, or -1 if it did not exit in time. */
    public int waitForExit(long seconds) {
        return process.awaitExit(seconds);
    }

    /** Everything it printed: answers on stdout and its log on stderr. */
    public String transcript() {
        return process.output();
    }

    /** Asks it to quit (it undoes its link setup), then kills it if it does not. */
    @Override
    public void close() {
        if (process.alive() && process.send("quit")) {
            process.awaitExit(10);
        }
        process.close();
    }
}
