package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.dataplane.capture.CaptureRequest;
import io.weft.dataplane.capture.Captures;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.dataplane.control.ControlServer;
import io.weft.dataplane.probe.ProbeInjector;
import io.weft.dataplane.probe.ProbeSettings;
import io.weft.dataplane.probe.RawIcmpSocket;
import io.weft.dataplane.probe.Prober;
import io.weft.dataplane.probe.Target;
import io.weft.fdb.Peer;
import io.weft.fdb.Subnet;
import io.weft.vtep.Ipv4;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's view across clouds: reachability probes to every peer, and captures, both through the data plane's
 * {@link DataPlaneHooks}; and their control-socket commands ({@code probe} for the doctor's live test,
 * {@code capture-start}, {@code capture-status}, {@code capture-stop}).
 */
final class Reachability implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reachability.class);
    static final Duration MAX_LIVE_WAIT = Duration.ofSeconds(30);

    final Prober prober;
    final Captures captures;
    private final DataPlaneHooks hooks;
    private final AgentState state;
    private final RawIcmpSocket rawSocket;

    Reachability(AgentState state, DataPlaneHooks hooks) {
        this.state = state;
        this.hooks = hooks;
        // The workers' own hooks when they have them; else through the kernel with a raw socket (same tunnel path).
        RawIcmpSocket raw = null;
        ProbeInjector injector = hooks.injector();
        if (!hooks.connected()) {
            try {
                raw = RawIcmpSocket.open();
                injector = raw;
            } catch (IllegalStateException e) {
                log.warn("reachability probes are off: {}", e.getMessage());
            }
        }
        this.rawSocket = raw;
        this.prober = new Prober(ProbeSettings.DEFAULT, state.dataPlane().config().vtepAddressV4(),
                () -> state.advertisedPublicIp().getHostAddress(),
                injector, () -> targets(state), new ReachabilityLog(log::warn, log::info), System::nanoTime);
        io.weft.dataplane.Ipv6Overlay v6 = state.dataPlane().config().ipv6();
        if (v6 != null && raw == null) {
            // (the raw-socket fallback is an IPv4 ICMP socket: without the workers' hooks IPv6 peers are not probed)
            prober.enableIpv6(v6.localSubnet(), () -> {
                java.net.Inet6Address ours = state.advertisedPublicIpv6();
                return ours == null ? "our PublicIPv6" : Subnet.formatAddress(ours);
            });
        }
        if (raw != null) {
            raw.deliverTo(prober);
        } else {
            hooks.setProbeReplies(prober);
        }
        // (an IPv6-only host has no IPv4 underlay address: 0)
        this.captures = new Captures(hooks::setTap, state.underlay().address() == null ? 0
                : Ipv4.parse(state.underlay().address().getHostAddress()), ourIpv6Hi(state), ourIpv6Lo(state), state.port());
        if (hooks.connected() || raw != null) {
            prober.start();
        }
    }

    /** Whether probes can be sent at all. */
    boolean probing() {
        return hooks.connected() || rawSocket != null;
    }

    /**
     * Every peer's IPv4 half and IPv6 half, each a target of its own: the two families go over different underlays
     * (PublicIP and PublicIPv6), so one answering says nothing about the other.
     */
    static List<Target> targets(AgentState s) {
        List<Target> out = new ArrayList<>();
        // A directly routed peer answers on the underlay, not through the tunnel, and its path is the kernel's.
        Map<Subnet, ?> direct = s.directRoutes();
        for (Peer p : s.table().current().peers()) {
            if (p.hasV4() && p.lease().publicIp() != null && !direct.containsKey(p.subnet())) {
                out.add(new Target(p.subnet(), p.lease().publicIp().getHostAddress(), s.port(), p.path()));
            }
            if (p.hasV6() && !direct.containsKey(p.ipv6Subnet())) {
                out.add(new Target(p.ipv6Subnet(), Subnet.formatAddress(p.lease().publicIpv6()), s.port()));
            }
        }
        return out;
    }

    void register(ControlServer control) {
        control.handle("probe", this::liveProbe)
                .handle("capture-start", this::startCapture)
                .handle("capture-status", req -> captures.status())
                .handle("capture-stop", req -> {
                    try {
                        return captures.stop();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted");
                    }
                });
    }

    private Object liveProbe(JsonNode req) {
        long ms = Math.min(Math.max(req.path("waitMillis").asLong(3000), 100), MAX_LIVE_WAIT.toMillis());
        if (!probing()) {
            throw new IllegalStateException("reachability probes are off on this host (see weft's log at start-up)");
        }
        List<Map<String, Object>> peers = new ArrayList<>();
        try {
            for (Prober.LiveResult r : prober.probeNow(Duration.ofMillis(ms))) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("subnet", r.target().subnet().toString());
                m.put("publicIp", r.target().publicIp());
                m.put("port", r.target().port());
                m.put("vtep", r.target().vtepText());
                m.put("ipv6", r.target().ipv6());
                io.weft.fdb.path.PathCandidate path = r.target().path() == null ? null : r.target().path().current();
                if (path != null) {
                    m.put("path", path.kind().label());
                    m.put("endpoint", path.endpointText());
                    String why = prober.whyTcp(r.target().vtepAddress());
                    if (why != null) {
                        m.put("why", why);
                    }
                }
                m.put("weft", r.target().path() != null && r.target().path().choosable());
                m.put("answered", r.answered());
                m.put("rttMs", r.rttMillis());
                peers.add(m);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("vtep", Ipv4.format(state.dataPlane().config().vtepAddressV4()));
        out.put("publicIp", state.advertisedPublicIp() == null ? null : state.advertisedPublicIp().getHostAddress());
        if (state.advertisedPublicIpv6() != null) {
            out.put("publicIpv6", Subnet.formatAddress(state.advertisedPublicIpv6()));
        }
        out.put("port", state.port());
        out.put("waitMillis", ms);
        out.put("peers", peers);
        return out;
    }

    private Object startCapture(JsonNode req) {
        requireHooks("capture");
        String file = req.path("file").asText("");
        if (file.isEmpty()) {
            throw new IllegalArgumentException("no capture file given");
        }
        String mode = req.path("mode").asText("outer");
        if (!mode.equals("outer") && !mode.equals("inner")) {
            throw new IllegalArgumentException("capture mode must be outer or inner, got " + mode);
        }
        String peer = req.path("peer").asText("");
        Peer one = peer.isEmpty() ? null : resolvePeer(peer);
        // a dual-stack peer's packets of both underlays: its PublicIP and its PublicIPv6
        int peerAddress = one == null || !one.hasV4() ? 0 : one.endpointV4();
        byte[] v6 = one == null || !one.hasV6() ? null : one.lease().publicIpv6().getAddress();
        CaptureRequest r = new CaptureRequest(Path.of(file), mode.equals("inner"), peerAddress,
                Duration.ofSeconds(req.path("seconds").asLong(10)), req.path("count").asLong(0),
                v6 == null ? 0 : Subnet.bytesToLong(v6, 0), v6 == null ? 0 : Subnet.bytesToLong(v6, 8));
        try {
            Map<String, Object> status = captures.start(r);
            log.info("capturing {} packets{} to {} for up to {} s{}", mode, peer.isEmpty() ? "" : " of peer " + peer, file,
                    r.duration().toSeconds(), r.count() > 0 ? " or " + r.count() + " packets" : "");
            return status;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A peer named by its PublicIP or PublicIPv6, its IPv4 or IPv6 subnet, or any address in one of them (an IPv6
     * address in any of its written forms).
     */
    Peer resolvePeer(String text) {
        List<Peer> peers = state.table().current().peers();
        String t = text.trim();
        try {
            InetAddress a = Subnet.parseAddress(t.contains("/") ? t.substring(0, t.indexOf('/')) : t);
            for (Peer p : peers) {
                if ((p.hasV4() && (a.equals(p.lease().publicIp()) || p.subnet().contains(a)))
                        || (p.hasV6() && (a.equals(p.lease().publicIpv6()) || p.ipv6Subnet().contains(a)))) {
                    return p;
                }
            }
        } catch (IllegalArgumentException ignored) {
            // not an address: reported below
        }
        throw new IllegalArgumentException("no peer with PublicIP or subnet " + text + "; 'weft peers' lists them (a peer"
                + " is named by its PublicIP, PublicIPv6, IPv4 or IPv6 subnet, or an address in one)");
    }

    /** Our IPv6 underlay address (the one weft's IPv6 socket sends from: its bind address, else our PublicIPv6). */
    private static long ourIpv6Hi(AgentState s) {
        byte[] a = ourIpv6(s);
        return a == null ? 0 : Subnet.bytesToLong(a, 0);
    }

    private static long ourIpv6Lo(AgentState s) {
        byte[] a = ourIpv6(s);
        return a == null ? 0 : Subnet.bytesToLong(a, 8);
    }

    private static byte[] ourIpv6(AgentState s) {
        io.weft.dataplane.Ipv6Overlay v6 = s.dataPlane().config().ipv6();
        if (v6 == null) {
            return null;
        }
        InetAddress a = v6.bindAddress() != null ? v6.bindAddress() : s.advertisedPublicIpv6();
        return a == null ? null : a.getAddress();
    }

    private void requireHooks(String what) {
        if (!hooks.connected()) {
            throw new IllegalStateException(what + " need the data plane's hooks, which this build's workers do not call");
        }
    }

    @Override
    public void close() throws InterruptedException {
        prober.close();
        captures.close();
        if (rawSocket != null) {
            rawSocket.close();
        }
        hooks.setProbeReplies(null);
        hooks.setTap(null);
    }
}
