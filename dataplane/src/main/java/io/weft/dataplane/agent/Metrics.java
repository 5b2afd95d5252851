package io.weft.dataplane.agent;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weft.dataplane.BuildVersion;
import io.weft.dataplane.DataPlaneStats;
import io.weft.dataplane.probe.PeerStatus;
import io.weft.dataplane.probe.Prober;
import io.weft.fdb.Peer;

import java.time.Instant;
import java.util.Map;

/**
 * Prometheus metrics, read at scrape time from the summed worker counters and the published table, so the hot path
 * only increments its own plain fields.
 */
final class Metrics {
    private Metrics() {
    }

    static PrometheusRegistry registry(AgentState s) {
        return registry(s, null);
    }

    /** The metrics; with a {@code prober}, also per-peer reachability, RTT and probe loss. */
    static PrometheusRegistry registry(AgentState s, Prober prober) {
        PrometheusRegistry registry = new PrometheusRegistry();
        Info.builder().name("weft_build").help("The running build: its version (project version + git describe)")
                .labelNames("version").register(registry).setLabelValues(BuildVersion.version());
        if (prober != null) {
            GaugeWithCallback.builder().name("weft_peer_reachable")
                    .help("1 if the peer's VTEP answers probes through the tunnel, 0 if it stopped answering (absent: too early)")
                    .labelNames("peer", "subnet")
                    .callback(cb -> {
                        for (PeerStatus ps : prober.status()) {
                            if (!ps.state().equals(PeerStatus.UNKNOWN)) {
                                cb.call(ps.state().equals(PeerStatus.REACHABLE) ? 1 : 0, ps.target().publicIp(),
                                        ps.target().subnet().toString());
                            }
                        }
                    }).register(registry);
            GaugeWithCallback.builder().name("weft_peer_rtt_seconds").help("Round-trip time of the last answered probe")
                    .labelNames("peer", "subnet")
                    .callback(cb -> {
                        for (PeerStatus ps : prober.status()) {
                            if (ps.rttMillis() != null) {
                                cb.call(ps.rttMillis() / 1000.0, ps.target().publicIp(), ps.target().subnet().toString());
                            }
                        }
                    }).register(registry);
            GaugeWithCallback.builder().name("weft_peer_probe_loss_ratio")
                    .help("Lost probes among the last ten settled ones (0..1)")
                    .labelNames("peer", "subnet")
                    .callback(cb -> {
                        for (PeerStatus ps : prober.status()) {
                            if (ps.lossPercent() != null) {
                                cb.call(ps.lossPercent() / 100.0, ps.target().publicIp(), ps.target().subnet().toString());
                            }
                        }
                    }).register(registry);
            CounterWithCallback.builder().name("weft_path_switches")
                    .help("Times a weft peer's frames moved to another path, by the path moved to (private, public)")
                    .labelNames("to")
                    .callback(cb -> prober.pathSwitches().forEach((to, n) -> cb.call(n, to))).register(registry);
            CounterWithCallback.builder().name("weft_probe_replies")
                    .help("Probe answers taken from the decap path instead of the TUN")
                    .callback(cb -> cb.call(prober.repliesDiverted())).register(registry);
        }
        CounterWithCallback.builder().name("weft_peer_packets").help("VXLAN packets per peer and direction")
                .labelNames("peer", "subnet", "direction")
                .callback(cb -> forPeers(s, (p, ps) -> {
                    cb.call(ps.txPackets(), p.lease().publicIp().getHostAddress(), p.subnet().toString(), "tx");
                    cb.call(ps.rxPackets(), p.lease().publicIp().getHostAddress(), p.subnet().toString(), "rx");
                })).register(registry);
        CounterWithCallback.builder().name("weft_peer_bytes").help("VXLAN payload bytes per peer and direction")
                .labelNames("peer", "subnet", "direction")
                .callback(cb -> forPeers(s, (p, ps) -> {
                    cb.call(ps.txBytes(), p.lease().publicIp().getHostAddress(), p.subnet().toString(), "tx");
                    cb.call(ps.rxBytes(), p.lease().publicIp().getHostAddress(), p.subnet().toString(), "rx");
                })).register(registry);
        CounterWithCallback.builder().name("weft_drops").help("Dropped packets by reason")
                .labelNames("reason")
                .callback(cb -> {
                    for (Map.Entry<String, Long> e : s.dataPlane().stats().counters().entrySet()) {
                        if (e.getKey().startsWith("drop_")) {
                            cb.call(e.getValue(), e.getKey().substring(5));
                        }
                    }
                }).register(registry);
        CounterWithCallback.builder().name("weft_packets").help("Packets through the data plane by direction")
                .labelNames("direction")
                .callback(cb -> {
                    DataPlaneStats st = s.dataPlane().stats();
                    cb.call(st.counters().getOrDefault("tx_packets", 0L), "tx");
                    cb.call(st.counters().getOrDefault("rx_packets", 0L), "rx");
                }).register(registry);
        CounterWithCallback.builder().name("weft_rx_partial_checksums")
                .help("Received packets whose TCP/UDP checksum held only the pseudo-header sum, as a sender with checksum"
                        + " offload leaves it (delivered, not dropped)")
                .callback(cb -> cb.call(s.dataPlane().stats().counters().getOrDefault("rx_partial_csum", 0L)))
                .register(registry);
        GaugeWithCallback.builder().name("weft_lease_expiry_timestamp_seconds")
                .help("When our subnet lease expires unless renewed (Unix time)")
                .callback(cb -> {
                    Instant e = s.registry().leaseExpiry();
                    if (e != null) {
                        cb.call(e.getEpochSecond());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("weft_watch_revision").help("The etcd revision the lease set is current to")
                .callback(cb -> cb.call(s.registry().watchRevision())).register(registry);
        GaugeWithCallback.builder().name("weft_table_peers").help("Peers in the forwarding table")
                .callback(cb -> cb.call(s.table().current().size())).register(registry);
        return registry;
    }

    private interface PeerVisitor {
        void visit(Peer p, DataPlaneStats.PeerStats stats);
    }

    private static void forPeers(AgentState s, PeerVisitor v) {
        Map<String, DataPlaneStats.PeerStats> peers = s.dataPlane().peerStats();
        for (Peer p : s.table().current().peers()) {
            v.visit(p, peers.getOrDefault(p.lease().publicIp().getHostAddress(),
                    new DataPlaneStats.PeerStats(0, 0, 0, 0)));
        }
    }
}
