package io.weft.dataplane.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.dataplane.control.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code weft capture}: the running data plane writes what it sends and receives to a pcap file; read it with tshark
 * or Wireshark ({@code -d udp.port==8472,vxlan} for the outer packets).
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Capture what the running data plane sends and receives to a pcap file:",
                "outer packets (Ethernet+IPv4/IPv6+UDP+VXLAN, as on the underlay) or, with --inner, the inner frames;",
                "optionally for one peer; for a duration or a packet count. Ctrl-C stops early."})
public final class CaptureCommand implements Callable<Integer> {
    @Option(names = {"-w", "--write"}, paramLabel = "FILE", description = "the pcap file (default: weft-<time>.pcap here)")
    Path file;

    @Option(names = "--inner", description = "capture the inner frames (what pods sent) instead of the outer packets")
    boolean inner;

    @Option(names = "--peer", paramLabel = "IP|SUBNET", description = "only this peer: its PublicIP or PublicIPv6, its IPv4 or"
            + " IPv6 subnet, or an address in one (a dual-stack peer: both underlays)")
    String peer;

    @Option(names = {"-d", "--duration"}, defaultValue = "10", paramLabel = "SECONDS",
            description = "stop after this many seconds, 1..3600 (default: ${DEFAULT-VALUE})")
    long seconds;

    @Option(names = {"-c", "--count"}, defaultValue = "0", paramLabel = "N", description = "stop after N packets (default: no limit)")
    long count;

    @Option(names = {"--run-dir", "-run-dir"}, descriptionKey = "weft", defaultValue = "/run/weft",
            description = "the agent's run dir (default: ${DEFAULT-VALUE})")
    Path runDir;

    @Override
    public Integer call() throws Exception {
        Path out = (file != null ? file
                : Path.of("weft-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".pcap"))
                .toAbsolutePath().normalize();
        ControlClient client = new ControlClient(runDir);
        ObjectNode req = client.request("capture-start");
        req.put("file", out.toString());
        req.put("mode", inner ? "inner" : "outer");
        if (peer != null) {
            req.put("peer", peer);
        }
        req.put("seconds", seconds);
        req.put("count", count);
        try {
            client.call(req);
        } catch (ControlClient.ControlException e) {
            System.err.println("weft: " + e.getMessage());
            return 1;
        }
        System.err.println("capturing " + (inner ? "inner frames" : "outer packets") + (peer == null ? "" : " of peer " + peer)
                + " to " + out + " for up to " + seconds + " s" + (count > 0 ? " or " + count + " packets" : "")
                + " (Ctrl-C stops)");
        Thread stopper = new Thread(() -> {
            try {
                client.call(client.request("capture-stop"));
            } catch (ControlClient.ControlException ignored) {
                // the agent is gone; its capture ended with it
            }
        });
        Runtime.getRuntime().addShutdownHook(stopper);
        JsonNode status = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 10);
        while (System.nanoTime() < deadline) {
            status = client.call(client.request("capture-status"));
            if (!status.path("running").asBoolean()) {
                break;
            }
            Thread.sleep(200);
        }
        if (status != null && status.path("running").asBoolean()) {
            status = client.call(client.request("capture-stop"));
        }
        Runtime.getRuntime().removeShutdownHook(stopper);
        if (status != null && status.hasNonNull("problem")) {
            System.err.println("weft: " + status.get("problem").asText());
            return 1;
        }
        long packets = status == null ? 0 : status.path("packets").asLong();
        long dropped = status == null ? 0 : status.path("dropped").asLong();
        System.out.println(packets + " packet" + (packets == 1 ? "" : "s") + " written to " + out
                + (dropped > 0 ? " (" + dropped + " dropped: the writer fell behind)" : ""));
        return 0;
    }
}
