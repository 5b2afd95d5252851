package io.weft.benchmarks.harness;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What one iperf3 client run ({@code -J}) reports, from the receiver's side ({@code end.sum_received}), which
 * is what arrived whichever way the data flowed ({@code -R} included).
 *
 * @param bitsPerSecond payload bits per second received
 * @param bytes         payload bytes received
 * @param seconds       the receiver's test duration
 * @param udpPackets    UDP: datagrams the receiver accounted for (received + lost); 0 for TCP
 * @param udpLost       UDP: datagrams lost
 * @param udpLossPercent UDP: iperf3's own {@code lost_percent} (lost over datagrams sent), 0 for TCP
 * @param retransmits   TCP: sender retransmits ({@code end.sum_sent.retransmits}), -1 if not reported
 */
record Iperf3Result(double bitsPerSecond, long bytes, double seconds, long udpPackets, long udpLost, double udpLossPercent,
        long retransmits) {

    static Iperf3Result parse(String json) {
        JsonNode root = Json.parse(json, "iperf3 output");
        if (root.hasNonNull("error")) {
            throw new BenchException("iperf3: " + root.get("error").asText());
        }
        JsonNode received = root.path("end").path("sum_received");
        if (!received.isObject() || !received.has("bits_per_second")) {
            throw new BenchException("iperf3 output has no end.sum_received (iperf3 3.7 or newer is needed): " + Json.abbreviate(json));
        }
        JsonNode sent = root.path("end").path("sum_sent");
        return new Iperf3Result(received.path("bits_per_second").asDouble(), received.path("bytes").asLong(),
                received.path("seconds").asDouble(), received.path("packets").asLong(0),
                received.path("lost_packets").asLong(0), received.path("lost_percent").asDouble(0),
                sent.path("retransmits").asLong(-1));
    }

    double gigabitsPerSecond() {
        return bitsPerSecond / 1e9;
    }

    /** Datagrams that arrived, per second, in thousands. */
    double udpKiloPacketsPerSecond() {
        return seconds <= 0 ? 0 : (udpPackets - udpLost) / seconds / 1e3;
    }
}
