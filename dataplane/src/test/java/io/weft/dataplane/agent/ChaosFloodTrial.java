package io.weft.dataplane.agent;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 200,000 malformed datagrams (half from the peer h2, half from a stranger's address on h2's link) and 20,000
 * spoofed frames (from h2, inner source outside h2's subnet) to h1's VXLAN port, while h2's pod pings h1's at 20/s.
 * A UDP receiver in h1's pod counts what arrives: none of the spoofed frames may, and the control frames (the same
 * frames with an inner source in h2's subnet, sent first) must. The drops come from h1's {@code weft_drops_total}.
 */
final class ChaosFloodTrial {
    private static final int PORT = 9999;
    private static final String STRANGER = "10.98.0.99";
    private static final int CONTROL = 10;
    private static final String RECEIVER = String.join("\n",
            "import signal, socket, sys, time",
            "stop = [False]",
            "signal.signal(signal.SIGINT, lambda *a: stop.__setitem__(0, True))",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.bind(('0.0.0.0', int(sys.argv[1])))",
            "s.settimeout(0.5)",
            "print('listening', flush=True)",
            "end = time.time() + float(sys.argv[2])",
            "seen = {}",
            "while not stop[0] and time.time() < end:",
            "    try:",
            "        d = s.recv(4096)",
            "    except socket.timeout:",
            "        continue",
            "    k = d[:5].decode('ascii', 'replace')",
            "    seen[k] = seen.get(k, 0) + 1",
            "print('counts', ' '.join('%s=%d' % kv for kv in sorted(seen.items())), flush=True)");

    private final ChaosCluster c;
    private final ChaosOptions o;

    ChaosFloodTrial(ChaosCluster c, ChaosOptions o) {
        this.c = c;
        this.o = o;
    }

    ChaosRow run() throws Exception {
        int malformed = o.pick(200_000, 20_000);
        int spoofed = o.pick(20_000, 2_000);
        String trial = String.format("%,d malformed and %,d spoofed datagrams during a ping", malformed, spoofed);
        Netns h2 = c.host(1);
        h2.ip("addr", "add", STRANGER + "/24", "dev", "eth0");
        Map<String, Long> before = ChaosCluster.drops(c.metrics(0));
        int window = o.pick(120, 60);
        Process receiver = c.pod(0).processBuilder("python3", "-c", RECEIVER, Integer.toString(PORT), Integer.toString(window))
                .redirectErrorStream(true).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(receiver.getInputStream()));
            String first = out.readLine();
            if (!"listening".equals(first)) {
                throw new IllegalStateException("the UDP receiver in h1's pod did not start: " + first);
            }
            ChaosPing ping = ChaosPing.start(c.pod(1), c.podIps[0], 0.05, window);
            Thread.sleep(2_000);
            List<String> cmd = ChaosCluster.javaMain(ChaosFlood.class, "to=10.98.0.1", "port=8472", "rate=40000", "dst-mac=" + c.vtepMacs[0], "src-mac=" + c.vtepMacs[1],
                    "dst-ip=" + c.podIps[0], "udp-port=" + PORT, "peer-bind=10.98.0.2", "stranger-bind=" + STRANGER,
                    "legit-src=" + c.podIps[1], "spoof-src=10.200.0.9", "control=" + CONTROL,
                    "malformed=" + malformed, "spoofed=" + spoofed);
            Cmd.Result sent = Cmd.run(window, h2.wrap(cmd)).requireOk();
            Thread.sleep(3_000);
            ChaosPing.Replies r = ping.stop();
            Cmd.run(5, "kill", "-INT", Long.toString(receiver.pid()));
            receiver.waitFor(10, TimeUnit.SECONDS);
            String counts = "";
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("counts")) {
                    counts = line;
                }
            }
            Map<String, Long> delivered = parseCounts(counts);
            long ctrl = delivered.getOrDefault("CTRL", 0L);
            long bad = delivered.entrySet().stream().filter(e -> !e.getKey().equals("CTRL")).mapToLong(Map.Entry::getValue).sum();
            Map<String, Long> after = ChaosCluster.drops(c.metrics(0));
            StringJoiner dropped = new StringJoiner(", ");
            long droppedTotal = 0;
            for (var e : after.entrySet()) {
                long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (d > 0) {
                    dropped.add(e.getKey() + " " + String.format("%,d", d));
                    droppedTotal += d;
                }
            }
            String figures = String.format("ping: %d of %d lost; drops: %s (%,d of %,d sent); delivered: %d (control frames: %d of %d)",
                    r.lost(), r.received() + r.lost(), dropped, droppedTotal, malformed + spoofed, bad, ctrl, CONTROL)
                    + (sent.output().contains("sent") ? "" : "; the sender said: " + sent.output().trim());
            return ChaosRow.checked(trial, figures, "none delivered", bad == 0 && ctrl == CONTROL);
        } finally {
            Cmd.kill(receiver);
            h2.exec(10, "ip", "addr", "del", STRANGER + "/24", "dev", "eth0");
        }
    }

    /** "counts CTRL=10 SPOOF=3" → {CTRL=10, SPOOF=3}; anything else that arrived counts under its first bytes. */
    private static Map<String, Long> parseCounts(String line) {
        Map<String, Long> out = new TreeMap<>();
        Matcher m = Pattern.compile("(\\S+)=(\\d+)").matcher(line);
        while (m.find()) {
            out.put(m.group(1), Long.parseLong(m.group(2)));
        }
        if (!line.startsWith("counts")) {
            throw new IllegalStateException("the UDP receiver in h1's pod printed no counts");
        }
        return out;
    }
}
