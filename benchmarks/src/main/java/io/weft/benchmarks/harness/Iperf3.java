package io.weft.benchmarks.harness;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.util.ArrayList;
import java.util.List;

/** Runs iperf3 between the rig's namespaces. Every run is bounded: {@code -t} plus a hard process time limit. */
final class Iperf3 {
    static final int PORT = 5201;
    /** Slack over {@code -t} for connection set-up, the result exchange and a slow, busy machine. */
    private static final long SLACK_SECONDS = 30;
    private static final int ATTEMPTS = 3;

    /** One kind of iperf3 test. {@code udpLength} 0 means TCP. */
    record Test(int streams, boolean reverse, int udpLength) {
        static final Test TCP1 = new Test(1, false, 0);
        static final Test TCP1_REV = new Test(1, true, 0);
        static final Test TCP4 = new Test(4, false, 0);
        static final Test TCP4_REV = new Test(4, true, 0);
        static final Test UDP1400 = new Test(1, false, 1400);
        static final Test UDP64 = new Test(1, false, 64);
        /** How much longer an IPv6 header is than an IPv4 one. */
        static final int IPV6_HEADER_EXTRA = 40 - 20;

        /**
         * The same test over inner IPv6: UDP datagrams {@link #IPV6_HEADER_EXTRA} bytes shorter, so that the packets
         * are as long as the IPv4 test's (1380 + 48 = 1428 B, which fits the IPv6 route MTU of 1430 as 1400 + 28 fits
         * the IPv4 one of 1450; 1400 B would be fragmented). TCP is unchanged (the MSS follows the route MTU).
         */
        Test overIpv6() {
            return udpLength == 0 ? this : new Test(streams, reverse, udpLength - IPV6_HEADER_EXTRA);
        }

        /** The client arguments after {@code -c <server>}. */
        List<String> arguments(int seconds) {
            List<String> a = new ArrayList<>(List.of("-p", Integer.toString(PORT), "-t", Integer.toString(seconds), "-J",
                    "--connect-timeout", "5000"));
            if (streams > 1) {
                a.addAll(List.of("-P", Integer.toString(streams)));
            }
            if (reverse) {
                a.add("-R");
            }
            if (udpLength > 0) {
                a.addAll(List.of("-u", "-b", "0", "-l", Integer.toString(udpLength)));
            }
            return a;
        }
    }

    private Iperf3() {
    }

    /** An iperf3 server listening in {@code ns} until closed. */
    static Cmd startServer(Netns ns) {
        // --idle-timeout: a server wedged by an aborted test restarts by itself instead of refusing every later test.
        return ns.start("iperf3-server", List.of("iperf3", "-s", "-p", Integer.toString(PORT), "--idle-timeout", "30"));
    }

    /**
     * Runs one test from {@code client} to {@code server}. A start that {@link #retryable} names is retried a bounded
     * number of times.
     */
    static Iperf3Result run(Netns client, String server, Test test, int seconds) {
        List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", server));
        cmd.addAll(test.arguments(seconds));
        BenchException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Cmd.Result r = client.exec(seconds + SLACK_SECONDS, cmd);
            if (r.timedOut()) {
                throw new BenchException("iperf3 " + String.join(" ", test.arguments(seconds)) + " to " + server
                        + " did not finish within " + (seconds + SLACK_SECONDS) + " s");
            }
            try {
                return Iperf3Result.parse(r.stdout().isBlank() ? "{\"error\":" + quote(r.stderr().strip()) + "}" : r.stdout());
            } catch (BenchException e) {
                last = e;
                if (!retryable(e.getMessage(), test)) {
                    throw e;
                }
                PointToPointTunnel.sleep(1000);
            }
        }
        throw last;
    }

    /**
     * Whether a failed start is worth another try: the server still closing the previous test ("busy", refused), or,
     * for a UDP test, its set-up datagram lost. iperf3 opens a UDP test with one datagram each way and never resends
     * them (esnet/iperf#862), so one drop, behind the previous flood that the tunnel is still draining, fails the
     * test with "unable to read from stream socket" (kernel → weft at 64 B failed so in every run on 2026-12-01).
     */
    static boolean retryable(String message, Test test) {
        String m = String.valueOf(message).toLowerCase(java.util.Locale.ROOT);
        return m.contains("busy") || m.contains("unable to connect") || m.contains("refused")
                || (test.udpLength() > 0 && m.contains("unable to read from stream socket"));
    }

    private static String quote(String s) {
        return Json.MAPPER.getNodeFactory().textNode(s.isEmpty() ? "no output" : s).toString();
    }
}
