package io.weft.benchmarks.harness;

import io.weft.labkit.LabException;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Takes every figure of one path once (one run): TCP 1 and 4 streams both ways, UDP flood at 1400 and 64 bytes,
 * ping RTTs, and for user-space tunnels CPU seconds per GB over the TCP tests and peak RSS. A test that fails is
 * recorded as an error of the path and the others go on.
 */
final class PathMeasurement {
    private static final long REACH_SECONDS = 15;
    /**
     * Per direction. weft's hot loops are C2-compiled only after many seconds on a busy 2-core box: 4 s into a
     * transfer the compiler threads still took 12-16 % of all CPU samples, and with a 12 s warm-up weft <-> weft
     * measured 0.31x / 0.37x of the kernel against 0.16x / 0.23x with 3 s (2026-12-01). A running agent is long
     * past that, so the bench warms up 10 s; the kernel paths get the same.
     */
    static final int WARMUP_SECONDS = 10;

    /** Set on Ctrl-C: the namespaces are going away, so further steps only fail; skip them quietly. */
    static volatile boolean stopping;

    private final Rig rig;
    private final BenchResults results;
    private final int seconds;
    private final int warmupSeconds;
    private final PrintStream log;

    PathMeasurement(Rig rig, BenchResults results, int seconds, int warmupSeconds, PrintStream log) {
        this.rig = rig;
        this.results = results;
        this.seconds = seconds;
        this.warmupSeconds = warmupSeconds;
        this.log = log;
    }

    void measure(BenchPath path, Tunnel tunnel) {
        Netns client = rig.ns(path.client);
        Netns serverNs = rig.ns(path.client.other());
        String server = tunnel.addressOf(path.client.other());
        awaitReachable(client, server);
        Cmd iperf3Server = Iperf3.startServer(serverNs);
        try {
            // Not recorded: lets a JIT compile weft's loops and TCP open its windows, the same for every path.
            boolean reachable = attempt(path, "warm-up", () -> {
                Iperf3.run(client, server, Iperf3.Test.TCP1, warmupSeconds);
                Iperf3.run(client, server, Iperf3.Test.TCP1_REV, warmupSeconds);
            });
            if (reachable) {
                iperf3Tests(path, tunnel, client, server);
            } else {
                // Each further test would only wait out its own connect timeouts.
                results.error(path, "iperf3 tests skipped in this run: the warm-up could not get through");
            }
            attempt(path, "ping", () -> {
                List<Double> rtts = Ping.roundTripsMicros(client, server, seconds * 100);
                results.add(path, Figure.LATENCY_P50, Summary.percentile(rtts, 50));
                results.add(path, Figure.LATENCY_P99, Summary.percentile(rtts, 99));
            });
            List<Cmd> processes = tunnel.processes();
            if (!processes.isEmpty()) {
                attempt(path, "peak RSS", () -> results.add(path, Figure.PEAK_RSS,
                        processes.stream().mapToLong(p -> ProcStat.peakRssKiB(p.pid())).max().orElse(0) / 1024.0));
            }
        } finally {
            iperf3Server.close();
        }
    }

    private void iperf3Tests(BenchPath path, Tunnel tunnel, Netns client, String server) {
        List<Cmd> processes = tunnel.processes();
        double[] cpuBefore = {Double.NaN};
        if (!processes.isEmpty()) {
            attempt(path, "CPU time", () -> cpuBefore[0] = cpuSeconds(processes));
        }
        long[] bytes = {0};
        double[] busyBefore = {Double.NaN};
        attempt(path, "system CPU time", () -> busyBefore[0] = ProcStat.systemBusySeconds());
        tcp(path, client, server, Iperf3.Test.TCP1, Figure.TCP1_FWD, bytes);
        tcp(path, client, server, Iperf3.Test.TCP1_REV, Figure.TCP1_REV, bytes);
        tcp(path, client, server, Iperf3.Test.TCP4, Figure.TCP4_FWD, bytes);
        tcp(path, client, server, Iperf3.Test.TCP4_REV, Figure.TCP4_REV, bytes);
        if (!Double.isNaN(busyBefore[0]) && bytes[0] > 0) {
            // Everything the machine did meanwhile (iperf3 itself and anything else running included): compare
            // paths of one invocation only.
            attempt(path, "system CPU time", () -> results.add(path, Figure.SYSTEM_CPU_PER_GB,
                    (ProcStat.systemBusySeconds() - busyBefore[0]) / (bytes[0] / 1e9)));
        }
        if (!Double.isNaN(cpuBefore[0]) && bytes[0] > 0) {
            // CPU of the tunnel's processes (both ends where both are user space) per GB of iperf3 payload.
            attempt(path, "CPU time", () -> results.add(path, Figure.CPU_PER_GB,
                    (cpuSeconds(processes) - cpuBefore[0]) / (bytes[0] / 1e9)));
        }
        udp(path, client, server, Iperf3.Test.UDP1400, Figure.UDP1400_PPS, Figure.UDP1400_LOSS);
        udp(path, client, server, Iperf3.Test.UDP64, Figure.UDP64_PPS, Figure.UDP64_LOSS);
    }

    private void tcp(BenchPath path, Netns client, String server, Iperf3.Test test, Figure figure, long[] bytes) {
        attempt(path, figure.label, () -> {
            Iperf3Result r = Iperf3.run(client, server, test, seconds);
            results.add(path, figure, r.gigabitsPerSecond());
            bytes[0] += r.bytes();
            log.printf("    %-18s %8.2f Gb/s%n", figure.label, r.gigabitsPerSecond());
        });
    }

    private void udp(BenchPath path, Netns client, String server, Iperf3.Test test, Figure pps, Figure loss) {
        Iperf3.Test sized = path.ipv6() ? test.overIpv6() : test;
        attempt(path, pps.label, () -> {
            Iperf3Result r = Iperf3.run(client, server, sized, seconds);
            results.add(path, pps, r.udpKiloPacketsPerSecond());
            results.add(path, loss, r.udpLossPercent());
            log.printf("    %-18s %8.1f kpps, %.1f %% lost%n", pps.label, r.udpKiloPacketsPerSecond(), r.udpLossPercent());
        });
    }

    /** Runs one step; a failure is recorded against the path (false) and the measurement goes on. */
    private boolean attempt(BenchPath path, String what, Runnable step) {
        if (stopping) {
            return false;
        }
        try {
            step.run();
            return true;
        } catch (LabException e) {
            if (stopping) {
                return false;
            }
            results.error(path, what + ": " + e.getMessage());
            log.printf("    %s failed: %s%n", what, e.getMessage());
            return false;
        }
    }

    private static double cpuSeconds(List<Cmd> processes) {
        double sum = 0;
        for (Cmd p : processes) {
            sum += ProcStat.cpuSeconds(p.pid());
        }
        return sum;
    }

    private void awaitReachable(Netns client, String server) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(REACH_SECONDS);
        while (!Ping.answers(client, server)) {
            if (System.nanoTime() > deadline) {
                throw new BenchException(server + " does not answer ping from " + client.name() + " within " + REACH_SECONDS + " s");
            }
            PointToPointTunnel.sleep(200);
        }
    }

    /**
     * Reads the tunnel's diagnostics (weft's counters) into the results, after all the paths it carries in this run
     * and before it is closed: the counters cover every path on the tunnel in that run.
     */
    static void keepDiagnostics(BenchResults results, List<BenchPath> paths, Tunnel tunnel, int run) {
        Map<String, Object> d = tunnel.diagnostics();
        if (d.isEmpty()) {
            return;
        }
        Map<String, Object> entry = new java.util.LinkedHashMap<>();
        entry.put("run", run);
        entry.put("paths_on_this_tunnel", BenchPath.ids(paths));
        entry.putAll(d);
        for (BenchPath p : paths) {
            results.diagnostics(p, entry);
        }
    }
}
