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

    /**
     * Busy time of all CPUs since boot, in seconds, from the {@code cpu} line of /proc/stat: everything but idle and
     * iowait (user, nice, system, irq, softirq, steal). Over a transfer, the whole machine's cost of it: both ends'
     * kernels and processes, the kernel path's softirq work included.
     */
    static double systemBusySeconds() {
        return parseBusyTicks(read(Path.of("/proc/stat"))) / (double) ClockTicks.PER_SECOND;
    }

    /** The busy ticks of the first ({@code cpu}) line of a /proc/stat text. */
    static long parseBusyTicks(String procStat) {
        String line = procStat.lines().filter(l -> l.startsWith("cpu ")).findFirst()
                .orElseThrow(() -> new BenchException("no cpu line in /proc/stat: " + Json.abbreviate(procStat)));
        String[] f = line.substring(4).trim().split("\\s+");
        if (f.length < 8) {
            throw new BenchException("short cpu line in /proc/stat: " + line);
        }
        long busy = 0;
        for (int i = 0; i < 8; i++) {
            if (i != 3 && i != 4) { // idle, iowait
                busy += Long.parseLong(f[i]);
            }
        }
        return busy;
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
