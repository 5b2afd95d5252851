package io.weft.dataplane.agent;

import io.weft.dataplane.BuildVersion;
import io.weft.dataplane.DataPlaneStats;
import io.weft.dataplane.Ipv6Overlay;
import io.weft.dataplane.control.ControlServer;
import io.weft.dataplane.host.DirectRoutes;
import io.weft.dataplane.probe.PeerStatus;
import io.weft.dataplane.probe.Prober;
import io.weft.fdb.path.PathCandidate;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Peer;
import io.weft.fdb.Subnet;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The control-socket commands: read-only views of the published table and the summed counters, shaped like the
 * Linux tools a flannel user knows ({@code bridge fdb}, {@code ip neigh}, {@code ip route}).
 */
final class StatusViews {
    private StatusViews() {
    }

    static void register(ControlServer control, AgentState s, PeerActivity activity) {
        register(control, s, activity, null);
    }

    static void register(ControlServer control, AgentState s, PeerActivity activity, Prober prober) {
        control.handle("fdb", req -> fdb(s))
                .handle("neigh", req -> neigh(s))
                .handle("routes", req -> routes(s))
                .handle("peers", req -> peers(s, activity, prober))
                .handle("stats", req -> stats(s));
    }

    static Map<String, Object> fdb(AgentState s) {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (ForwardingTable.FdbEntry e : s.table().current().fdb()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mac", e.mac().toString());
            m.put("dst", e.dst().getHostAddress());
            m.put("port", e.port());
            m.put("state", "permanent");
            m.put("subnet", e.subnet().toString());
            entries.add(m);
        }
        return Map.of("device", s.device(), "entries", entries);
    }

    static Map<String, Object> neigh(AgentState s) {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (ForwardingTable.NeighEntry e : s.table().current().neighbours()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", Subnet.formatAddress(e.address()));
            m.put("lladdr", e.mac().toString());
            m.put("state", "PERMANENT");
            entries.add(m);
        }
        return Map.of("device", s.device(), "entries", entries);
    }

    static Map<String, Object> routes(AgentState s) {
        List<Map<String, Object>> routes = new ArrayList<>();
        if (s.dataPlane().config().hasIpv4()) {
            Map<String, Object> kernel = new LinkedHashMap<>();
            kernel.put("dst", s.config().network().toString());
            kernel.put("src", s.vtepAddress());
            kernel.put("kind", "kernel");
            routes.add(kernel);
        }
        Ipv6Overlay v6 = s.dataPlane().config().ipv6();
        if (v6 != null) {
            // the one TUN carries both families; the IPv6 route has its own, smaller MTU
            Map<String, Object> kernel6 = new LinkedHashMap<>();
            kernel6.put("dst", v6.network().toString());
            kernel6.put("src", v6.localSubnet().addressText());
            kernel6.put("mtu", v6.mtu());
            kernel6.put("kind", "kernel");
            routes.add(kernel6);
        }
        Map<Subnet, DirectRoutes.Route> direct = s.directRoutes();
        for (ForwardingTable.RouteEntry r : s.table().current().routes()) {
            DirectRoutes.Route d = direct.get(r.prefix());
            Map<String, Object> m = new LinkedHashMap<>();
            if (d != null) {
                // the kernel routes this peer on the underlay; weft's table entry is not used for it
                m.put("dst", d.subnet().toString());
                m.put("via", d.via().getHostAddress());
                m.put("dev", d.device());
                m.put("kind", "direct");
                routes.add(m);
                continue;
            }
            m.put("dst", r.prefix().toString());
            m.put("via", Subnet.formatAddress(r.gateway()));
            m.put("peer", r.prefix().isIpv6()
                    ? "[" + Subnet.formatAddress(r.peer().lease().publicIpv6()) + "]:" + s.port()
                    : r.peer().lease().publicIp().getHostAddress() + ":" + s.port());
            m.put("kind", "weft");
            routes.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("device", s.device());
        out.put("routes", routes);
        if (s.nodeIpDnat() != null) {
            out.put("nodeIpDnat", nodeIpDnat(s.nodeIpDnat().plan()));
        }
        return out;
    }

    /** {@code --node-ip-dnat}: each peer InternalIP mapped to its public IP, and the InternalIPs refused. */
    static Map<String, Object> nodeIpDnat(io.weft.fdb.kube.NodeIpMappings plan) {
        List<Map<String, Object>> mappings = new ArrayList<>();
        plan.mappings().forEach((internal, pub) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("internalIp", internal.getHostAddress());
            m.put("publicIp", pub.getHostAddress());
            m.put("node", plan.nodes().get(internal));
            mappings.add(m);
        });
        return Map.of("mappings", mappings, "conflicts", plan.conflicts());
    }

    static Map<String, Object> peers(AgentState s, PeerActivity activity) {
        return peers(s, activity, null);
    }

    /** Per peer: counters, last packet seen, and what the reachability probes found ({@code prober} may be null). */
    static Map<String, Object> peers(AgentState s, PeerActivity activity, Prober prober) {
        Map<String, PeerStatus> probes = new HashMap<>();
        Map<String, List<Prober.PathProbe>> pathProbes = prober == null ? Map.of() : prober.pathProbes();
        if (prober != null) {
            for (PeerStatus ps : prober.status()) {
                probes.put(ps.target().subnet().toString(), ps);
            }
        }
        Map<String, DataPlaneStats.PeerStats> traffic = s.dataPlane().peerStats();
        Map<Subnet, DirectRoutes.Route> direct = s.directRoutes();
        Instant now = Instant.now();
        List<Map<String, Object>> peers = new ArrayList<>();
        for (Peer p : s.table().current().peers()) {
            String ip = p.lease().publicIp().getHostAddress();
            DataPlaneStats.PeerStats ps = traffic.getOrDefault(ip, new DataPlaneStats.PeerStats(0, 0, 0, 0));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("subnet", p.subnet().toString());
            m.put("publicIp", ip);
            m.put("vtepMac", p.vtepMac() == null ? null : p.vtepMac().toString());
            if (p.ipv6Subnet() != null) {
                m.put("ipv6Subnet", p.ipv6Subnet().toString());
                m.put("publicIpv6", p.lease().publicIpv6() == null ? null : Subnet.formatAddress(p.lease().publicIpv6()));
                m.put("v6VtepMac", p.v6VtepMac() == null ? null : p.v6VtepMac().toString());
                // null when the peer's IPv6 half is routed, else what its lease lacks
                m.put("ipv6Unusable", p.ipv6Unusable());
            }
            // A peer the kernel routes directly (DirectRouting) is reached on the underlay, not by a tunnel path.
            boolean directlyRouted = direct.containsKey(p.subnet());
            PathCandidate path = p.path().current();
            m.put("weft", p.advert() != null);
            m.put("path", directlyRouted ? "direct" : path == null ? null : path.kind().label());
            m.put("endpoint", directlyRouted ? ip : path == null ? null : path.endpointText());
            m.put("paths", pathProbes.getOrDefault(p.subnet().toString(), List.of()));
            m.put("txPackets", ps.txPackets());
            m.put("txBytes", ps.txBytes());
            m.put("rxPackets", ps.rxPackets());
            m.put("rxBytes", ps.rxBytes());
            Instant last = activity.lastRx(ip);
            m.put("lastRx", last == null ? null : last.toString());
            m.put("lastRxAgoSeconds", last == null ? null : Duration.between(last, now).toSeconds());
            m.put("leaseExpiry", p.lease().expiry() == null ? null : p.lease().expiry().toString());
            // The IPv4 half's probes; an IPv6-only peer's IPv6 half is its only one, and answers for it here too.
            PeerStatus probe6 = p.ipv6Subnet() == null ? null : probes.get(p.ipv6Subnet().toString());
            PeerStatus probe = p.hasV4() ? probes.get(p.subnet().toString()) : probe6;
            putProbe(m, "", probe);
            if (p.ipv6Subnet() != null) {
                // the IPv6 half, probed over the IPv6 underlay (its own path: it may fail while IPv4 works)
                putProbe(m, "ipv6", probe6);
            }
            peers.add(m);
        }
        return Map.of("peers", peers);
    }

    /** What the probes found, under keys with {@code prefix} ({@code ipv6Reachability} ...) or without one. */
    private static void putProbe(Map<String, Object> m, String prefix, PeerStatus probe) {
        m.put(key(prefix, "reachability"), probe == null ? PeerStatus.UNKNOWN : probe.state());
        m.put(key(prefix, "rttMs"), probe == null ? null : probe.rttMillis());
        m.put(key(prefix, "probeLossPercent"), probe == null ? null : probe.lossPercent());
        m.put(key(prefix, "probesSent"), probe == null ? 0 : probe.sent());
        m.put(key(prefix, "probesAnswered"), probe == null ? 0 : probe.answered());
    }

    private static String key(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    static Map<String, Object> stats(AgentState s) {
        DataPlaneStats stats = s.dataPlane().stats();
        Map<String, Object> traffic = new LinkedHashMap<>();
        Map<String, Object> drops = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : stats.counters().entrySet()) {
            if (e.getKey().startsWith("drop_")) {
                drops.put(e.getKey().substring(5), e.getValue());
            } else {
                traffic.put(e.getKey(), e.getValue());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", BuildVersion.version());
        out.put("device", s.device());
        out.put("subnet", s.subnet() == null ? null : s.subnet().toString());
        out.put("vtepMac", s.vtepMac().toString());
        Ipv6Overlay v6 = s.dataPlane().config().ipv6();
        if (v6 != null) {
            out.put("ipv6Subnet", v6.localSubnet().toString());
            out.put("v6VtepMac", v6.vtepMac().toString());
            out.put("publicIpv6", s.advertisedPublicIpv6() == null ? null : Subnet.formatAddress(s.advertisedPublicIpv6()));
            out.put("sendFromV6", v6.bindAddress() == null ? "::" : Subnet.formatAddress(v6.bindAddress()));
            out.put("ipv6Mtu", v6.mtu());
        }
        out.put("publicIp", s.advertisedPublicIp().getHostAddress());
        out.put("underlay", s.underlay().describe());
        java.net.Inet4Address from = s.dataPlane().config().bindAddress();
        out.put("sendFrom", from == null ? "0.0.0.0" : from.getHostAddress());
        out.put("port", s.port());
        out.put("vni", s.config().backend().vni());
        out.put("workers", s.dataPlane().config().workers());
        out.put("peers", s.table().current().size());
        out.put("offloads", s.dataPlane().capabilities().toMap());
        out.put("traffic", traffic);
        out.put("drops", drops);
        Instant expiry = s.registry().leaseExpiry();
        out.put("leaseExpiry", expiry == null ? null : expiry.toString());
        out.put("watchRevision", s.registry().watchRevision());
        return out;
    }
}
