package io.weft.benchmarks.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The bench's command line.
 *
 * @param runs             runs per path; every figure is the median of these (and min, max)
 * @param seconds          iperf3 {@code -t} per test; ping sends 100 requests per second for as long
 * @param paths            paths to measure, in report order (kernel VXLAN is always among them: it is the reference;
 *                         kernel VXLAN6 too when an IPv6 path is: the IPv6 paths' reference)
 * @param jmh              also run the JMH suite
 * @param jmhArgs          the JMH arguments (before {@code -rf json -rff <results>/jmh.json})
 * @param repo             the weft checkout (for the commit and the default jar paths)
 * @param weftJar          weft.jar holding the lab runner
 * @param resultsRoot      where {@code <date>-<host>/} goes
 * @param weftJavaOptions  JVM options for weft (default: WEFT_JAVA_OPTS of src/systemd/weft.env)
 * @param weftWorkers      weft's worker count, 0 for its own default
 * @param wire             turn the veths' TX checksum offload off, so every checksum is final on the wire as a real
 *                         NIC sends it (default: the veth's defaults, as container labs and VM pairs have them; see
 *                         {@link Rig})
 * @param nat              put each side behind its own 1:1 NAT gateway namespace (see {@link Rig#createNat()})
 * @param warmupSeconds    iperf3 seconds each way per path before measuring (JIT compilation, TCP windows)
 * @param allConditions    measure the paths in each of the three conditions in turn (default, {@code --wire},
 *                         {@code --nat}), each against the kernel in its own condition, and report them side by side
 */
record BenchOptions(int runs, int seconds, List<BenchPath> paths, boolean jmh, List<String> jmhArgs, Path repo, Path weftJar,
        Path resultsRoot, List<String> weftJavaOptions, int weftWorkers, boolean wire, boolean nat, int warmupSeconds,
        boolean allConditions) {

    static final List<String> DEFAULT_JMH_ARGS = List.of("-prof", "gc", "-f", "1", "-wi", "2", "-i", "3", "-w", "2s", "-r", "2s");
    /** The systemd unit's JVM options, used if src/systemd/weft.env cannot be read. */
    static final String FALLBACK_JAVA_OPTS = "-XX:+UseParallelGC -Xms256m -Xmx256m -XX:MaxDirectMemorySize=512m";
    static final int MAX_SECONDS = 600;
    static final int MAX_RUNS = 50;

    static final String USAGE = """
            usage: scripts/bench [--no-build] [--quick] [--runs N] [--duration S] [--jmh] [--paths ID,...] [options]
              --quick               development mode: 1 run of 2 s per test (figures are rough)
              --runs N              runs per path; each figure is their median, with min and max (default 3)
              --duration S          seconds per iperf3 test and of ping at 100/s (default 5)
              --paths ID,...        only these paths (always with kernel-vxlan, the reference, and with
                                    kernel-vxlan6 when an IPv6 path is chosen); ids:
                                    veth, kernel-vxlan, kernel-vxlan-offload, weft-to-kernel, kernel-to-weft,
                                    weft-weft, kernel-vxlan6, weft-to-kernel6, kernel-to-weft6, weft-weft6
                                    (inner IPv6 over the IPv6 underlay, as flannel-v6.1; not with --nat),
                                    weft-weft-tcp (every frame over the TCP fallback),
                                    weft-weft-tcp-tls (the same with mutual TLS),
                                    openvpn, socat-tun
              --jmh                 also run the JMH suite (-prof gc) and summarise ns/op and B/op
              --jmh-args "ARGS"     JMH arguments instead of: -prof gc -f 1 -wi 2 -i 3 -w 2s -r 2s
              --weft-java-opts "O"  JVM options for weft (default: WEFT_JAVA_OPTS from src/systemd/weft.env)
              --weft-workers N      weft worker loops (default: weft's own, min(cores, 8))
              --wire                TX checksum offload off on the veth for every path but kernel-vxlan-offload,
                                    so every checksum is final as a real NIC sends it (default: the veth's own
                                    defaults, offload on, as in container labs; recorded in the report header)
              --warmup S            iperf3 warm-up each way per path before measuring (default 10)
              --nat                 each side behind its own 1:1 NAT gateway namespace (DNAT/SNAT), veths at
                                    their defaults, as most clusters run; not with --wire
              --conditions          all three conditions in turn (default, --wire, --nat), each path's ratios
                                    to the kernel of the same condition; adds conditions.txt and
                                    conditions.png (every condition side by side) and a directory per condition
              --weft-jar PATH       default dataplane/target/weft.jar
              --results DIR         default benchmarks/results (git ignores it)
              --repo DIR            the weft checkout (default: the current directory)
            Needs root (network namespaces). Writes <results>/<date>-<host>/{results.json,results.csv,throughput.png,report.txt}
            (with --conditions: <results>/<date>-<host>-conditions/{conditions.txt,conditions.png,default/,wire/,nat/}).
            """;

    /** The condition the paths run in, for the report header and the chart. */
    String condition() {
        return nat ? "--nat: each side behind its own 1:1 NAT gateway, veths at their default offloads"
                : wire ? "--wire: TX checksum offload off, every checksum final as a NIC sends it"
                : "default: the veth's default offloads, a kernel sender leaves inner checksums partial";
    }

    /** The same options in one condition: {@code wire}, {@code nat} or neither (the default). */
    BenchOptions inCondition(boolean wire, boolean nat) {
        return new BenchOptions(runs, seconds, paths, jmh, jmhArgs, repo, weftJar, resultsRoot, weftJavaOptions, weftWorkers,
                wire, nat, warmupSeconds, false);
    }

    /** A short name of the condition, for a directory and a table: default, wire or nat. */
    String conditionId() {
        return nat ? "nat" : wire ? "wire" : "default";
    }

    /** Parses the arguments; throws IllegalArgumentException with a message that names the bad one. */
    static BenchOptions parse(String[] args) {
        Integer runs = null;
        Integer seconds = null;
        boolean quick = false;
        boolean jmh = false;
        List<String> jmhArgs = DEFAULT_JMH_ARGS;
        Set<BenchPath> paths = EnumSet.noneOf(BenchPath.class);
        Path repo = Path.of("").toAbsolutePath();
        Path weftJar = null;
        Path results = null;
        String javaOpts = null;
        int workers = 0;
        boolean wire = false;
        boolean nat = false;
        boolean allConditions = false;
        int warmup = PathMeasurement.WARMUP_SECONDS;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> quick = true;
                case "--jmh" -> jmh = true;
                case "--wire" -> wire = true;
                case "--nat" -> nat = true;
                case "--conditions" -> allConditions = true;
                case "--warmup" -> warmup = intValue(a, value(args, ++i, a), 1, MAX_SECONDS);
                case "--runs" -> runs = intValue(a, value(args, ++i, a), 1, MAX_RUNS);
                case "--duration" -> seconds = intValue(a, value(args, ++i, a), 1, MAX_SECONDS);
                case "--jmh-args" -> {
                    jmh = true;
                    jmhArgs = words(value(args, ++i, a));
                }
                case "--paths" -> {
                    for (String id : value(args, ++i, a).split(",")) {
                        if (!id.isBlank()) {
                            paths.add(BenchPath.byId(id));
                        }
                    }
                }
                case "--weft-java-opts" -> javaOpts = value(args, ++i, a);
                case "--weft-workers" -> workers = intValue(a, value(args, ++i, a), 1, 64);
                case "--weft-jar" -> weftJar = Path.of(value(args, ++i, a)).toAbsolutePath();
                case "--results" -> results = Path.of(value(args, ++i, a)).toAbsolutePath();
                case "--repo" -> repo = Path.of(value(args, ++i, a)).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (wire && nat) {
            throw new IllegalArgumentException("--wire and --nat are separate conditions: run the bench once with each,"
                    + " or with --conditions for all three");
        }
        if (allConditions && (wire || nat)) {
            throw new IllegalArgumentException("--conditions runs every condition, --wire and --nat included: give it alone");
        }
        if (allConditions && jmh) {
            throw new IllegalArgumentException("--conditions measures the paths only: run --jmh in an invocation of its own");
        }
        if (paths.isEmpty()) {
            paths = EnumSet.allOf(BenchPath.class);
        }
        paths.add(BenchPath.KERNEL);
        if (paths.stream().anyMatch(BenchPath::ipv6)) {
            paths.add(BenchPath.KERNEL6);
        }
        return new BenchOptions(runs != null ? runs : quick ? 1 : 3, seconds != null ? seconds : quick ? 2 : 5,
                new ArrayList<>(paths), jmh, jmhArgs, repo,
                weftJar != null ? weftJar : repo.resolve("dataplane/target/weft.jar"),
                results != null ? results : repo.resolve("benchmarks/results"),
                words(javaOpts != null ? javaOpts : systemdJavaOptions(repo)), workers, wire, nat, warmup, allConditions);
    }

    static boolean wantsHelp(String[] args) {
        return Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"));
    }

    /** WEFT_JAVA_OPTS from the repo's src/systemd/weft.env, so the bench runs weft as the service does. */
    static String systemdJavaOptions(Path repo) {
        try {
            for (String line : Files.readAllLines(repo.resolve("src/systemd/weft.env"))) {
                if (line.startsWith("WEFT_JAVA_OPTS=")) {
                    return line.substring("WEFT_JAVA_OPTS=".length()).strip();
                }
            }
        } catch (IOException ignored) {
            // not a full checkout: use the copy below
        }
        return FALLBACK_JAVA_OPTS;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int intValue(String option, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v.strip());
            if (n < min || n > max) {
                throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " wants a whole number, got '" + v + "'");
        }
    }

    private static List<String> words(String s) {
        return s.isBlank() ? List.of() : List.of(s.strip().split("\\s+"));
    }
}
