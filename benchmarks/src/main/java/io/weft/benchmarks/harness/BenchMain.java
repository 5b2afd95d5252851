package io.weft.benchmarks.harness;

import io.weft.labkit.LabException;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The driver behind {@code ./scripts/bench}: measures every path on one veth rig in one invocation, then prints
 * the ratio table and writes results.json, results.csv, throughput.png and report.txt. Progress goes to stderr,
 * the report to stdout. Namespaces are removed at the end, on failure and on Ctrl-C (a shutdown hook).
 */
public final class BenchMain {
    private static final long JMH_TIMEOUT_SECONDS = 3 * 3600;

    private final BenchOptions options;
    private final PrintStream out;
    private final PrintStream log;
    private final AtomicReference<Tunnel> openTunnel = new AtomicReference<>();

    private BenchMain(BenchOptions options, PrintStream out, PrintStream log) {
        this.options = options;
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        if (BenchOptions.wantsHelp(args)) {
            out.print(BenchOptions.USAGE);
            return;
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("bench: " + e.getMessage());
            err.print(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        try {
            new BenchMain(options, out, err).run();
        } catch (LabException e) {
            err.println("bench: " + e.getMessage());
            System.exit(1);
        }
    }

    private void run() {
        if (options.allConditions()) {
            runEveryCondition();
            return;
        }
        ZonedDateTime start = ZonedDateTime.now();
        Environment env = Environment.collect(options.repo(), start);
        Path dir = resultsDirectory(start, env.host(), "");
        measureInto(dir, env);
        out.println("\nResults: " + dir + "/ (results.json, results.csv, throughput.png, report.txt"
                + (options.jmh() ? ", jmh.json, jmh-summary.txt" : "") + ")");
    }

    /**
     * The default condition, {@code --wire} and {@code --nat} in turn, each into its own directory as a single
     * invocation would write it, then conditions.txt and conditions.png over all three.
     */
    private void runEveryCondition() {
        ZonedDateTime start = ZonedDateTime.now();
        Environment env = Environment.collect(options.repo(), start);
        Path dir = resultsDirectory(start, env.host(), "-conditions");
        Map<String, BenchResults> byCondition = new LinkedHashMap<>();
        for (BenchOptions condition : List.of(options.inCondition(false, false), options.inCondition(true, false),
                options.inCondition(false, true))) {
            log.printf("bench: condition %s%n", condition.condition());
            Path sub = dir.resolve(condition.conditionId());
            createDirectory(sub);
            BenchMain one = new BenchMain(condition, out, log);
            byCondition.put(condition.conditionId(), one.measureInto(sub, Environment.collect(options.repo(), ZonedDateTime.now())));
        }
        String report = machineLine(env) + options.runs() + " run(s) x " + options.seconds()
                + " s per test in each condition; warm-up " + options.warmupSeconds() + " s each way per path\n\n"
                + ConditionsReport.format(byCondition);
        write(dir.resolve("conditions.txt"), report);
        try {
            ConditionsReport.writeChart(byCondition, env, options.runs(), dir.resolve("conditions.png"));
        } catch (BenchException e) {
            log.println("bench: no conditions chart: " + e.getMessage());
        }
        out.println();
        out.print(report);
        out.println("\nResults: " + dir + "/ (conditions.txt, conditions.png; default/, wire/, nat/ as one invocation each)");
    }

    /** Measures this invocation's paths in its condition and writes its report and files into {@code dir}. */
    private BenchResults measureInto(Path dir, Environment env) {
        List<BenchPath> paths = checkPrerequisites();
        log.printf("bench: %d run(s) x %d s per test, paths %s%n", options.runs(), options.seconds(), BenchPath.ids(paths));
        log.printf("bench: weft %s, kernel %s, %s, load average %s%n", env.weftCommit(), env.kernel(), env.cpuModel(), env.loadAverage());
        Thread cleanup = new Thread(this::cleanUp, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        BenchResults results = new BenchResults(paths);
        measureAll(results);
        List<JmhSummary.Row> jmh = options.jmh() ? runJmh(dir) : null;

        String report = header(env) + RatioTable.format(results) + (jmh == null ? "" : "\nJMH (" + dir.resolve("jmh.json")
                + "):\n" + JmhSummary.format(jmh));
        write(dir.resolve("report.txt"), report);
        write(dir.resolve("results.csv"), CsvReport.format(results));
        write(dir.resolve("results.json"), JsonReport.format(env, settings(), results, jmh));
        try {
            ThroughputChart.write(results, env, options.runs(), options.condition(), dir.resolve("throughput.png"));
        } catch (BenchException e) {
            log.println("bench: no chart: " + e.getMessage());
        }
        Runtime.getRuntime().removeShutdownHook(cleanup);
        out.println();
        out.print(report);
        return results;
    }

    /** Paths that can run here; fails with what to install when something every path needs is missing. */
    private List<BenchPath> checkPrerequisites() {
        if (!"0".equals(Cmd.run(5, "id", "-u").stdout().strip())) {
            throw new BenchException("the bench needs root for network namespaces: run sudo ./scripts/bench");
        }
        String[][] required = {{"ip", "iproute2"}, {"bridge", "iproute2"}, {"ethtool", "ethtool"}, {"iperf3", "iperf3"},
            {"ping", "iputils-ping"}, {"sysctl", "procps"}};
        for (String[] r : required) {
            if (!onPath(r[0])) {
                throw new BenchException(r[0] + " is not installed: apt-get install " + r[1] + " (scripts/bench installs it)");
            }
        }
        List<BenchPath> paths = new ArrayList<>();
        for (BenchPath p : options.paths()) {
            if (p == BenchPath.KERNEL_OFFLOAD && !options.wire()) {
                log.printf("bench: %s skipped: without --wire the veth keeps its offloads anyway, so it is the same as %s%n",
                        p.label, BenchPath.KERNEL.label);
                continue;
            }
            if (p.ipv6() && options.nat()) {
                log.printf("bench: %s skipped: the NAT rig is IPv4 only (IPv6 usually has no NAT); run it without --nat%n",
                        p.label);
                continue;
            }
            if (p.tunnel.program != null && !onPath(p.tunnel.program)) {
                log.printf("bench: %s skipped: %s is not installed (apt-get install %s to include it)%n", p.label,
                        p.tunnel.program, p.tunnel.program.equals("bridge") ? "iproute2" : p.tunnel.program);
                continue;
            }
            if (p.isWeft() && !Files.isRegularFile(options.weftJar())) {
                throw new BenchException(options.weftJar() + " does not exist: build it with mvn -q -B package -DskipTests"
                        + " (scripts/bench does unless --no-build)");
            }
            paths.add(p);
        }
        return paths;
    }

    /** Round-robin: each run visits every tunnel in turn, so a noisy minute on a shared machine hits all paths alike. */
    private void measureAll(BenchResults results) {
        Netns.deleteLeftovers(Rig.PREFIX);
        TunnelSettings settings = new TunnelSettings(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                weftJarSnapshot(results.paths()), options.weftJavaOptions(), options.weftWorkers());
        try (Rig rig = options.nat() ? Rig.createNat() : Rig.create(!options.wire())) {
            PathMeasurement measurement = new PathMeasurement(rig, results, options.seconds(), options.warmupSeconds(), log);
            for (int run = 1; run <= options.runs(); run++) {
                for (TunnelKind kind : tunnelsOf(results.paths())) {
                    List<BenchPath> carried = results.paths().stream().filter(p -> p.tunnel == kind).toList();
                    measureTunnel(rig, kind, carried, settings, measurement, results, run);
                }
            }
        }
    }

    private void measureTunnel(Rig rig, TunnelKind kind, List<BenchPath> carried, TunnelSettings settings,
            PathMeasurement measurement, BenchResults results, int run) {
        Tunnel tunnel;
        try {
            tunnel = kind.open(rig, settings);
        } catch (LabException e) {
            for (BenchPath p : carried) {
                results.error(p, "run " + run + ": set-up failed: " + e.getMessage());
            }
            log.printf("bench: run %d: %s set-up failed: %s%n", run, kind, e.getMessage());
            return;
        }
        openTunnel.set(tunnel);
        try {
            for (BenchPath p : carried) {
                log.printf("bench: run %d/%d: %s%n", run, options.runs(), p.label);
                try {
                    measurement.measure(p, tunnel);
                } catch (LabException e) {
                    results.error(p, "run " + run + ": " + e.getMessage());
                    log.printf("bench: %s: %s%n", p.label, e.getMessage());
                }
            }
            PathMeasurement.keepDiagnostics(results, carried, tunnel, run);
        } finally {
            openTunnel.set(null);
            tunnel.close();
        }
    }

    /**
     * A private copy of weft.jar for this invocation: a JVM loads classes from its jar lazily, so a rebuild of
     * dataplane/target/weft.jar during a long run would otherwise break the weft processes started after it.
     */
    private Path weftJarSnapshot(List<BenchPath> paths) {
        if (paths.stream().noneMatch(BenchPath::isWeft)) {
            return options.weftJar();
        }
        try {
            Path copy = Files.createTempFile(Rig.PREFIX + "weft-", ".jar");
            copy.toFile().deleteOnExit();
            return Files.copy(options.weftJar(), copy, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new BenchException("cannot copy " + options.weftJar() + " to a temporary file: " + e.getMessage(), e);
        }
    }

    private static List<TunnelKind> tunnelsOf(List<BenchPath> paths) {
        List<TunnelKind> kinds = new ArrayList<>();
        for (BenchPath p : paths) {
            if (!kinds.contains(p.tunnel)) {
                kinds.add(p.tunnel);
            }
        }
        return kinds;
    }

    /** Runs the JMH suite from this jar into {@code dir}; a failure is reported and the throughput results are kept. */
    private List<JmhSummary.Row> runJmh(Path dir) {
        Path json = dir.resolve("jmh.json");
        Path jmhLog = dir.resolve("jmh.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", ownJar().toString()));
        cmd.addAll(options.jmhArgs());
        cmd.addAll(List.of("-rf", "json", "-rff", json.toString()));
        log.println("bench: JMH: " + String.join(" ", cmd) + " (log: " + jmhLog + ")");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(jmhLog.toFile()).start();
            if (!p.waitFor(JMH_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                Cmd.kill(p);
                log.println("bench: JMH did not finish within " + JMH_TIMEOUT_SECONDS + " s; see " + jmhLog);
                return List.of();
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(json)) {
                log.println("bench: JMH failed (exit " + p.exitValue() + "); see " + jmhLog);
                return List.of();
            }
            List<JmhSummary.Row> rows = JmhSummary.parse(Files.readString(json));
            write(dir.resolve("jmh-summary.txt"), JmhSummary.format(rows));
            write(dir.resolve("jmh-summary.csv"), JmhSummary.csv(rows));
            return rows;
        } catch (IOException e) {
            log.println("bench: JMH could not run: " + e.getMessage());
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private static Path ownJar() {
        try {
            return Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            throw new BenchException("cannot locate benchmarks.jar to run JMH from: " + e.getMessage(), e);
        }
    }

    private String header(Environment env) {
        String rig = options.nat()
                ? "hosts behind 1:1 NAT gateways, veth MTU 1500, default offloads (GRO off)"
                : "veth MTU 1500, GRO on";
        String ipv6 = !options.nat() && options.paths().stream().anyMatch(BenchPath::ipv6)
                ? " (IPv6 paths: fd77::/64 on the same veth, IPv6 route MTU 1430)" : "";
        return machineLine(env) + "condition " + options.condition() + "\n"
                + options.runs() + " run(s) x " + options.seconds() + " s per test; " + rig + ", tunnel MTU 1450" + ipv6 + "; warm-up "
                + options.warmupSeconds() + " s each way per path; load average at start " + env.loadAverage()
                + "\n\n";
    }

    /** The first line of every report: when, where, which kernel and CPU, which weft. */
    private static String machineLine(Environment env) {
        return "weft bench " + env.date() + " on " + env.host() + ": kernel " + env.kernel() + ", " + env.cpuModel() + " ("
                + env.cpus() + " CPUs), weft " + env.weftCommit() + "\n";
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("runs", options.runs());
        s.put("duration_s", options.seconds());
        s.put("veth_mtu", Rig.MTU);
        s.put("tunnel_mtu", Overlay.MTU);
        s.put("tunnel_route_mtu_ipv6", Overlay.MTU6);
        s.put("wire", options.wire());
        s.put("nat", options.nat());
        s.put("condition", options.condition());
        s.put("veth_tx_offload", !options.wire());
        s.put("veth_gro", !options.nat());
        s.put("warmup_s", options.warmupSeconds());
        s.put("weft_java_options", options.weftJavaOptions());
        s.put("weft_workers", options.weftWorkers() == 0 ? "default" : options.weftWorkers());
        s.put("ping_interval_s", 0.01);
        s.put("load_average_end", Cmd.run(5, "cat", "/proc/loadavg").stdout().strip());
        return s;
    }

    private Path resultsDirectory(ZonedDateTime start, String host, String suffix) {
        Path dir = options.resultsRoot().resolve(start.format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss")) + "-"
                + host.replaceAll("[^A-Za-z0-9._-]", "_") + suffix);
        createDirectory(dir);
        return dir;
    }

    private static void createDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BenchException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new BenchException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private void cleanUp() {
        PathMeasurement.stopping = true;
        Tunnel t = openTunnel.getAndSet(null);
        if (t != null) {
            try {
                t.close();
            } catch (RuntimeException ignored) {
                // the namespaces go next, and with them whatever is left
            }
        }
        Netns.deleteLeftovers(Rig.PREFIX);
    }

    private static boolean onPath(String program) {
        return Cmd.run(5, "sh", "-c", "command -v " + program).ok();
    }
}
