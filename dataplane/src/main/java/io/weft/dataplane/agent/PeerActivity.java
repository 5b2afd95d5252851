package io.weft.dataplane.agent;

import io.weft.dataplane.DataPlane;
import io.weft.dataplane.DataPlaneStats;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * When each peer was last heard from. The workers keep no clocks (a timestamp per packet would cost a clock read on
 * the hot path), so this samples the summed counters once a second and notes when a peer's rx count moved.
 */
final class PeerActivity implements AutoCloseable {
    private final DataPlane dataPlane;
    private final Map<String, Long> lastRxPackets = new HashMap<>();
    private final Map<String, Instant> lastRx = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weft-peer-activity");
        t.setDaemon(true);
        return t;
    });

    PeerActivity(DataPlane dataPlane) {
        this.dataPlane = dataPlane;
        timer.scheduleWithFixedDelay(this::sample, 0, 1, TimeUnit.SECONDS);
    }

    private void sample() {
        Map<String, DataPlaneStats.PeerStats> peers;
        try {
            peers = dataPlane.peerStats();
        } catch (RuntimeException e) {
            return;
        }
        Instant now = Instant.now();
        synchronized (this) {
            for (Map.Entry<String, DataPlaneStats.PeerStats> e : peers.entrySet()) {
                long rx = e.getValue().rxPackets();
                Long before = lastRxPackets.put(e.getKey(), rx);
                if (rx > 0 && (before == null || rx > before)) {
                    lastRx.put(e.getKey(), now);
                }
            }
        }
    }

    /** When a packet from the peer at this PublicIP was last seen (±1 s), or null if never. */
    synchronized Instant lastRx(String publicIp) {
        return lastRx.get(publicIp);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
