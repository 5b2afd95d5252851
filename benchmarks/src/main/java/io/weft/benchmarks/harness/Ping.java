package io.weft.benchmarks.harness;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Round-trip times from {@code ping -i 0.01}: 100 echo requests a second over an otherwise idle path. */
final class Ping {
    private static final Pattern RTT = Pattern.compile("\\btime[=<]([0-9.]+) ms");

    private Ping() {
    }

    /** Sends {@code count} echo requests and returns the replies' round-trip times in microseconds. */
    static List<Double> roundTripsMicros(Netns client, String address, int count) {
        long deadline = count / 100 + 10;
        Cmd.Result r = client.exec(deadline + 10, "ping", "-n", "-i", "0.01", "-c", Integer.toString(count),
                "-W", "1", "-w", Long.toString(deadline), address);
        List<Double> rtts = parseMicros(r.stdout());
        if (rtts.isEmpty()) {
            throw new BenchException("no ping replies from " + address + ": " + Json.abbreviate(r.stdout() + r.stderr()));
        }
        return rtts;
    }

    /** True if one echo request is answered within a second. */
    static boolean answers(Netns client, String address) {
        return client.exec(5, "ping", "-n", "-q", "-c", "1", "-W", "1", address).ok();
    }

    static List<Double> parseMicros(String pingOutput) {
        List<Double> rtts = new ArrayList<>();
        Matcher m = RTT.matcher(pingOutput);
        while (m.find()) {
            rtts.add(Double.parseDouble(m.group(1)) * 1000.0);
        }
        return rtts;
    }
}
