package io.weft.dataplane.netns;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Traffic generators for the lab tests: ping, a verified TCP transfer, iperf3, UDP datagrams. Every wait is bounded. */
public final class Traffic {
    private Traffic() {
    }

    public static Cmd.Result ping(Netns from, String to, int size, boolean dontFragment) {
        return from.exec(15, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", "-M", dontFragment ? "do" : "dont",
                "-s", Integer.toString(size), to);
    }

    public static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * Sends {@code data} over TCP from {@code from} to {@code toIp:port} in {@code to} (an IPv4 or IPv6 address);
     * returns what arrived.
     */
    public static byte[] tcpTransfer(Netns from, Netns to, String toIp, int port, byte[] data) throws IOException, InterruptedException {
        Path src = Files.createTempFile("wdp-tcp-src", ".bin");
        Path dst = Files.createTempFile("wdp-tcp-dst", ".bin");
        try {
            Files.write(src, data);
            boolean v6 = toIp.indexOf(':') >= 0;
            Process listener = to.processBuilder("socat", "-u", (v6 ? "TCP6-LISTEN:" : "TCP-LISTEN:") + port + ",reuseaddr",
                            "OPEN:" + dst + ",creat,trunc")
                    .redirectErrorStream(true).start();
            try {
                awaitTcpListener(to, port);
                Cmd.Result sent = null;
                for (int attempt = 0; attempt < 20; attempt++) {
                    sent = from.exec(60, "socat", "-u", "OPEN:" + src, (v6 ? "TCP6:[" + toIp + "]:" : "TCP:" + toIp + ":") + port
                            + ",connect-timeout=5");
                    if (sent.ok() || !sent.output().contains("Connection refused")) {
                        break;
                    }
                    Thread.sleep(200);
                }
                sent.requireOk();
                if (!listener.waitFor(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the TCP receiver did not finish within 30 s");
                }
                return Files.readAllBytes(dst);
            } finally {
                Cmd.kill(listener);
            }
        } finally {
            Files.deleteIfExists(src);
            Files.deleteIfExists(dst);
        }
    }

    /** A bounded iperf3 TCP run (client in {@code from}); returns the client's JSON. */
    public static String iperf3(Netns from, Netns to, String toIp, int port, int seconds, boolean udp) throws IOException, InterruptedException {
        Process server = to.processBuilder("iperf3", "-s", "-1", "-p", Integer.toString(port)).redirectErrorStream(true).start();
        try {
            awaitTcpListener(to, port);
            Cmd.Result r = null;
            for (int attempt = 0; attempt < 20; attempt++) {
                List<String> cmd = new java.util.ArrayList<>(List.of("iperf3", "-c", toIp, "-p", Integer.toString(port),
                        "-t", Integer.toString(seconds), "-J", "--connect-timeout", "5000"));
                if (udp) {
                    cmd.addAll(List.of("-u", "-b", "100M", "-l", "1400"));
                }
                r = from.exec(seconds + 30L, cmd.toArray(new String[0]));
                if (!r.output().contains("Connection refused")) {
                    break;
                }
                Thread.sleep(200);
            }
            return r.requireOk().output();
        } finally {
            server.waitFor(5, TimeUnit.SECONDS);
            Cmd.kill(server);
        }
    }

    /** Waits (at most 5 s) until something in {@code ns} listens on TCP {@code port}. */
    public static void awaitTcpListener(Netns ns, int port) throws InterruptedException {
        String local = String.format(":%04X 00000000:0000 0A", port);
        for (int i = 0; i < 100; i++) {
            String tables = ns.exec(10, "cat", "/proc/net/tcp", "/proc/net/tcp6").output();
            if (tables.contains(local) || tables.contains(String.format(":%04X 00000000000000000000000000000000:0000 0A", port))) {
                return;
            }
            Thread.sleep(50);
        }
    }

    /** Sends one UDP datagram holding {@code payload} from {@code from} (optionally from a given source address). */
    public static void sendDatagram(Netns from, String toIp, int port, byte[] payload, String bindIp) throws IOException {
        Path f = Files.createTempFile("wdp-dgram", ".bin");
        try {
            Files.write(f, payload);
            String target = toIp.indexOf(':') >= 0
                    ? "UDP6:[" + toIp + "]:" + port + (bindIp == null ? "" : ",bind=[" + bindIp + "]")
                    : "UDP:" + toIp + ":" + port + (bindIp == null ? "" : ",bind=" + bindIp);
            from.exec(10, "socat", "-u", "-b", "65536", "OPEN:" + f, target).requireOk();
        } finally {
            Files.deleteIfExists(f);
        }
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
