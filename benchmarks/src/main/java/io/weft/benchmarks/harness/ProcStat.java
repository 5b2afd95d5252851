package io.weft.benchmarks.harness;

import io.weft.labkit.process.Cmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and peak RSS of a process, from /proc. */
final class ProcStat {
    private ProcStat() {
    }

    /** utime + stime of all the process's threads, in seconds. */
    static double cpuSeconds(long pid) {
        return parseCpuTicks(read(Path.of("/proc", Long.toString(pid), "stat"))) / (double) ClockTicks.PER_SECOND;
    }

    /** VmHWM: the peak resident set size so far, in KiB. */
    static long peakRssKiB(long pid) {
        return parseVmHwmKiB(read(Path.of("/proc", Long.toString(pid), "status")));
    }

    /**
     * utime (field 14) + stime (field 15) of a /proc/pid/stat line. The command name (field 2) may contain
     * spaces and parentheses, so fields are counted from the last ')'.
     */
    static long parseCpuTicks(String statLine) {
        int close = statLine.lastIndexOf(')');
        if (close < 0) {
            throw new BenchException("not a /proc/<pid>/stat line: " + Json.abbreviate(statLine));
        }
        String[] f = statLine.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3].
        if (f.length < 13) {
            throw new BenchException("short /proc/<pid>/stat line: " + Json.abbreviate(statLine));
        }
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    static long parseVmHwmKiB(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmHWM:")) {
                String[] f = line.substring("VmHWM:".length()).trim().split("\\s+");
                return Long.parseLong(f[0]);
            }
        }
        throw new BenchException("no VmHWM in /proc/<pid>/status (is the process a zombie?)");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new BenchException("cannot read " + p + " (the process has exited?): " + e.getMessage(), e);
        }
    }

    /** USER_HZ, the unit of utime/stime: 100 on the usual Linux builds, asked of getconf once, when first needed. */
    private static final class ClockTicks {
        static final long PER_SECOND = clockTicks();
    }

    private static long clockTicks() {
        Cmd.Result r = Cmd.run(5, "getconf", "CLK_TCK");
        try {
            return r.ok() ? Long.parseLong(r.stdout().strip()) : 100;
        } catch (NumberFormatException e) {
            return 100;
        }
    }
}
