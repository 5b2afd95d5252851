package io.weft.benchmarks.harness;

import io.weft.labkit.process.Cmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Where and on what the figures were taken, recorded with them.
 *
 * @param date        start of the run, ISO-8601 with offset
 * @param host        the machine's host name
 * @param kernel      {@code uname -r}
 * @param cpuModel    the first "model name" of /proc/cpuinfo
 * @param cpus        CPUs available to the JVM
 * @param weftCommit  {@code git rev-parse --short HEAD}, with "-dirty" if tracked files differ from it
 * @param java        the JVM running the bench (and weft)
 * @param iperf3      {@code iperf3 --version}, first line
 * @param loadAverage /proc/loadavg at the start: the machine may be shared, and the figures are only as quiet as it was
 */
record Environment(String date, String host, String kernel, String cpuModel, int cpus, String weftCommit, String java,
        String iperf3, String loadAverage) {

    static Environment collect(Path repo, ZonedDateTime now) {
        return new Environment(now.truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), hostName(),
                firstLine(Cmd.run(5, "uname", "-r").stdout()), cpuModel(readOrEmpty(Path.of("/proc/cpuinfo"))),
                Runtime.getRuntime().availableProcessors(), weftCommit(repo),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                firstLine(Cmd.run(5, "iperf3", "--version").stdout()), firstLine(readOrEmpty(Path.of("/proc/loadavg"))));
    }

    static String weftCommit(Path repo) {
        Cmd.Result head = Cmd.run(10, "git", "-C", repo.toString(), "rev-parse", "--short", "HEAD");
        if (!head.ok()) {
            return "unknown (not a git checkout)";
        }
        Cmd.Result status = Cmd.run(10, "git", "-C", repo.toString(), "status", "--porcelain", "--untracked-files=no");
        return head.stdout().strip() + (status.ok() && status.stdout().isBlank() ? "" : "-dirty");
    }

    static String cpuModel(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("model name")) {
                int colon = line.indexOf(':');
                return colon < 0 ? "unknown" : line.substring(colon + 1).strip();
            }
        }
        return "unknown";
    }

    private static String hostName() {
        String h = firstLine(Cmd.run(5, "hostname").stdout());
        return h.isEmpty() ? "localhost" : h;
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }

    private static String readOrEmpty(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
