package io.weft.dataplane.agent;

import io.weft.labkit.process.Cmd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One look at a weft JVM from outside: resident set ({@code /proc/<pid>/status}), direct memory (native memory
 * tracking's "Other", where {@code Unsafe.allocateMemory} and direct buffers, thus Netty's pools, are counted; the
 * JVM must run with {@code -XX:NativeMemoryTracking=summary}), and the collections so far ({@code jstat -gc}).
 */
record ChaosJvm(long rssKb, long directKb, long youngGcs, long fullGcs, double gcSeconds) {
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final Pattern OTHER = Pattern.compile("-\\s+Other \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");

    static ChaosJvm of(long pid) throws Exception {
        Matcher rss = RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        long rssKb = rss.find() ? Long.parseLong(rss.group(1)) : -1;
        Matcher other = OTHER.matcher(Cmd.run(30, "jcmd", Long.toString(pid), "VM.native_memory", "summary").output());
        long directKb = other.find() ? Long.parseLong(other.group(2)) : -1;
        String[] gc = Cmd.run(30, "jstat", "-gc", Long.toString(pid)).requireOk().output().trim().split("\n");
        String[] names = gc[0].trim().split("\\s+");
        String[] values = gc[gc.length - 1].trim().split("\\s+");
        return new ChaosJvm(rssKb, directKb, (long) value(names, values, "YGC"), (long) value(names, values, "FGC"),
                value(names, values, "GCT"));
    }

    private static double value(String[] names, String[] values, String name) {
        for (int i = 0; i < names.length && i < values.length; i++) {
            if (names[i].equals(name)) {
                return Double.parseDouble(values[i].replace(',', '.'));
            }
        }
        return -1;
    }

    static String mb(long kb) {
        return kb < 0 ? "?" : String.format(Locale.ROOT, "%.1f MB", kb / 1024.0);
    }
}
