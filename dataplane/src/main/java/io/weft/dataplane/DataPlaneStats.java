package io.weft.dataplane;

import io.weft.dataplane.worker.Counter;

import java.util.Map;

/**
 * Counters summed over all workers at one moment.
 *
 * @param counters every {@link Counter}, by its lowercase key ({@code tx_packets}, {@code drop_wrong_vni}, ...)
 * @param peers    per peer PublicIP (dotted quad): packets and bytes sent to and received from it
 */
public record DataPlaneStats(Map<String, Long> counters, Map<String, PeerStats> peers) {

    public record PeerStats(long txPackets, long txBytes, long rxPackets, long rxBytes) {
    }

    public long get(Counter c) {
        return counters.getOrDefault(c.key(), 0L);
    }

    /** One JSON object on one line: {@code {"tx_packets":1,...,"peers":{"10.0.0.2":{"tx_packets":...}}}}. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(512).append('{');
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            sb.append('"').append(e.getKey()).append("\":").append(e.getValue()).append(',');
        }
        sb.append("\"peers\":{");
        boolean first = true;
        for (Map.Entry<String, PeerStats> e : peers.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            PeerStats p = e.getValue();
            sb.append('"').append(e.getKey()).append("\":{\"tx_packets\":").append(p.txPackets())
                    .append(",\"tx_bytes\":").append(p.txBytes())
                    .append(",\"rx_packets\":").append(p.rxPackets())
                    .append(",\"rx_bytes\":").append(p.rxBytes()).append('}');
        }
        return sb.append("}}").toString();
    }
}
