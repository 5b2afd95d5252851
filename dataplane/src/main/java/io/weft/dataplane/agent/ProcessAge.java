package io.weft.dataplane.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How long ago this process was started (by the service manager or a shell), JVM start-up included: the figure that
 * says how soon after a restart weft forwards again. Both ends are read on the kernel's boot-time clock, to its 10 ms
 * ticks: the process start from {@code /proc/self/stat} and now from {@code /proc/uptime}. (The JDK's
 * {@code ProcessHandle.Info.startInstant} adds the start to {@code btime}, the boot time in whole seconds, and so is
 * up to a second early: it made a restart look 0.6 s slower than it was.)
 */
final class ProcessAge {
    /** USER_HZ: the unit of /proc's clock-tick fields, 100 on every Linux architecture weft runs on. */
    private static final double TICKS_PER_SECOND = 100.0;
    private static final long STARTED_MILLIS = startMillis();

    private ProcessAge() {
    }

    /** Milliseconds since this process was started, or -1 where /proc cannot say. */
    static long millis() {
        long now = uptimeMillis();
        return STARTED_MILLIS < 0 || now < 0 ? -1 : Math.max(0, now - STARTED_MILLIS);
    }

    /** The start of this process in ms of boot time: field 22 of /proc/self/stat (after the command's parenthesis). */
    private static long startMillis() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return startMillis(after);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {@code fields}: /proc/self/stat from field 3 (state) on; starttime is field 22. */
    static long startMillis(String[] fields) {
        return Math.round(Long.parseLong(fields[22 - 3]) * 1000 / TICKS_PER_SECOND);
    }

    private static long uptimeMillis() {
        try {
            String uptime = Files.readString(Path.of("/proc/uptime"));
            return Math.round(Double.parseDouble(uptime.substring(0, uptime.indexOf(' '))) * 1000);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
