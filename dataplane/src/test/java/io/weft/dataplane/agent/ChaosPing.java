package io.weft.dataplane.agent;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A running {@code ping -D} at a fixed rate, bounded by a deadline, whose replies are read back by sequence number
 * and wall-clock time. A packet counts as lost when a later one was answered and it was not: the one still in flight
 * when the ping is stopped is not a loss.
 */
final class ChaosPing {
    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+\\.\\d+)] \\d+ bytes from .*icmp_seq=(\\d+)");

    private final Process process;
    private final Path out;
    private final double interval;

    private ChaosPing(Process process, Path out, double interval) {
        this.process = process;
        this.out = out;
        this.interval = interval;
    }

    /** Pings {@code to} from {@code from} every {@code intervalSeconds} for at most {@code deadlineSeconds}. */
    static ChaosPing start(Netns from, String to, double intervalSeconds, long deadlineSeconds) throws IOException {
        return start(from, to, intervalSeconds, deadlineSeconds, 0);
    }

    /** As {@link #start(Netns, String, double, long)}, ending at the {@code replies}-th reply (0: at the deadline). */
    static ChaosPing start(Netns from, String to, double intervalSeconds, long deadlineSeconds, int replies) throws IOException {
        Path out = Files.createTempFile("wdp-cx-ping", ".txt");
        List<String> cmd = new ArrayList<>(List.of("ping", "-n", "-D", "-W", "1", "-i", String.valueOf(intervalSeconds),
                "-w", Long.toString(deadlineSeconds)));
        if (replies > 0) {
            cmd.addAll(List.of("-c", Integer.toString(replies)));
        }
        cmd.add(to);
        Process p = from.processBuilder(cmd.toArray(new String[0]))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new ChaosPing(p, out, intervalSeconds);
    }

    /** Stops the ping (SIGINT, as ^C, so that it prints its summary) and reads its replies. */
    Replies stop() throws IOException, InterruptedException {
        if (process.isAlive()) {
            Cmd.run(10, "kill", "-INT", Long.toString(process.pid()));
        }
        return await(15);
    }

    /** Waits for the deadline given at the start (at most {@code seconds} more) and reads the replies. */
    Replies await(long seconds) throws IOException, InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            Cmd.kill(process);
        }
        TreeMap<Integer, Double> replies = new TreeMap<>();
        for (String line : Files.readAllLines(out)) {
            Matcher m = REPLY.matcher(line);
            if (m.find()) {
                replies.putIfAbsent(Integer.parseInt(m.group(2)), Double.parseDouble(m.group(1)));
            }
        }
        Files.deleteIfExists(out);
        return new Replies(replies, interval);
    }

    /** The answered sequence numbers with the time (epoch seconds) their reply came, and the ping's interval. */
    record Replies(TreeMap<Integer, Double> bySeq, double interval) {
        int received() {
            return bySeq.size();
        }

        /** Unanswered packets before the last answered one. */
        int lost() {
            return bySeq.isEmpty() ? 0 : bySeq.lastKey() - bySeq.size();
        }

        /** The sequence numbers lost (see {@link #lost}). */
        List<Integer> lostSeqs() {
            List<Integer> lost = new ArrayList<>();
            if (bySeq.isEmpty()) {
                return lost;
            }
            for (int s = 1; s < bySeq.lastKey(); s++) {
                if (!bySeq.containsKey(s)) {
                    lost.add(s);
                }
            }
            return lost;
        }

        /**
         * Lost packets sent in [from, to) epoch seconds. A lost packet's send time is reckoned from the last answered
         * one before it (whose reply came within a millisecond of its sending) plus one interval per packet between.
         */
        int lostBetween(double from, double to) {
            int n = 0;
            for (int s : lostSeqs()) {
                var before = bySeq.lowerEntry(s);
                double t = before == null ? Double.NEGATIVE_INFINITY : before.getValue() + (s - before.getKey()) * interval;
                if (t >= from && t < to) {
                    n++;
                }
            }
            return n;
        }

        /** When the first reply came, in epoch seconds, or NaN if none did. */
        double firstReply() {
            return bySeq.isEmpty() ? Double.NaN : bySeq.firstEntry().getValue();
        }
    }
}
