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
        if (raw != null) {
            raw.deliverTo(prober);
        } else {
            hooks.setProbeReplies(prober);
        }
        // (an IPv6-only host has no IPv4 underlay address: 0)
        this.captures = new Captures(hooks::setTap, state.underlay().address() == null ? 0
                : Ipv4.parse(state.underlay().address().getHostAddress()), state.port());
        if (hooks.connected() || raw != null) {
            prober.start();
        }
    }

    /** Whether probes can be sent at all. */
    boolean probing() {
        return hooks.connected() || rawSocket != null;
    }

    static List<Target> targets(AgentState s) {
        List<Target> out = new ArrayList<>();
        // A directly routed peer answers on the underlay, not through the tunnel, and its path is the kernel's.
        Map<Subnet, ?> direct = s.directRoutes();
        for (Peer p : s.table().current().peers()) {
            if (p.hasV4() && p.lease().publicIp() != null && !direct.containsKey(p.subnet())) {
                out.add(new Target(p.subnet(), p.lease().publicIp().getHostAddress(), s.port(), p.path()));
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
                m.put("vtep", Ipv4.format(r.target().vtepAddress()));
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
        out.put("publicIp", state.advertisedPublicIp().getHostAddress());
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
        int peerAddress = peer.isEmpty() ? 0 : resolvePeer(peer);
        CaptureRequest r = new CaptureRequest(Path.of(file), mode.equals("inner"), peerAddress,
                Duration.ofSeconds(req.path("seconds").asLong(10)), req.path("count").asLong(0));
        try {
            Map<String, Object> status = captures.start(r);
            log.info("capturing {} packets{} to {} for up to {} s{}", mode, peer.isEmpty() ? "" : " of peer " + peer, file,
                    r.duration().toSeconds(), r.count() > 0 ? " or " + r.count() + " packets" : "");
            return status;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
        }
    }

    /** A peer named by its PublicIP, its subnet, or any address in its subnet; returns its underlay address. */
    int resolvePeer(String text) {
        List<Peer> peers = state.table().current().peers();
        String t = text.trim();
        for (Peer p : peers) {
            if (p.lease().publicIp() != null && (p.lease().publicIp().getHostAddress().equals(t) || p.subnet().toString().equals(t))) {
                return Ipv4.parse(p.lease().publicIp().getHostAddress());
            }
        }
        try {
            InetAddress a = Subnet.parseAddress(t.contains("/") ? t.substring(0, t.indexOf('/')) : t);
            for (Peer p : peers) {
                if (p.hasV4() && p.subnet().contains(a)) {
                    return Ipv4.parse(p.lease().publicIp().getHostAddress());
                }
            }
        } catch (IllegalArgumentException ignored) {
            // not an address: reported below
        }
        throw new IllegalArgumentException("no peer with PublicIP or subnet " + text + "; 'weft peers' lists them");
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
