package io.weft.dataplane.probe;

import io.netty.buffer.ByteBuf;
import io.weft.fdb.Subnet;
import io.weft.fdb.path.PathCandidate;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Ipv6;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Per-peer reachability probes: every {@link ProbeSettings#interval()} an ICMP echo from our VTEP address to each
 * peer's VTEP address {@code <subnet>.0}, sent through the tunnel like any packet ({@link ProbeInjector}). A kernel
 * flannel peer answers from its {@code flannel.<VNI>} /32, a weft peer from its TUN's. The answers come back through
 * the decap path ({@link #offer}); per peer we keep reachable or not, the last RTT and the loss over a window.
 *
 * <p>A peer that stays unreachable gets one warning naming the likely causes; it is warned about again only after it
 * has answered in between. The peers that go silent in one round are reported to the {@link ProbeLog} together.
 * Threads: {@link #offer} runs on data-plane workers and only queues; everything else runs under this object's lock on
 * the probe thread or the control thread.
 *
 * <p>IPv6 ({@link #enableIpv6}): a peer's IPv6 half is a target of its own, probed with ICMPv6 echoes from our IPv6
 * VTEP {@code <IPv6 subnet>::} to its own, which the workers send over the IPv6 underlay to its PublicIPv6 (the
 * AF_INET6 socket), as its IPv6 pod traffic goes. A dual-stack peer is probed both ways, because the two families take
 * different underlay paths (other addresses, other firewall rules, possibly other routes): IPv4 answering says
 * nothing about IPv6. Path choice (private, public, TCP) is IPv4's only.
 */
public final class Prober implements ProbeReplies, AutoCloseable {
    private final ProbeSettings settings;
    private final int ourVtep;
    private final int identifier;
    private final ProbeInjector injector;
    private final Supplier<? extends Collection<Target>> targets;
    private final ProbeLog log;
    private final LongSupplier clock;
    /** The PublicIP we advertise now (a live public-ip-overwrite changes it), for the warning. */
    private final Supplier<String> ourPublicIp;
    private final Map<Target.VtepKey, PeerProbes> peers = new LinkedHashMap<>();
    /** The per-path probes of the weft peers that have more than one path, by VTEP address. */
    private final Map<Integer, CandidateProbes> paths = new HashMap<>();
    /** Path switches so far, by the kind switched to. */
    private final Map<String, Long> switches = new java.util.TreeMap<>();
    private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
    /** Our IPv6 VTEP and PublicIPv6, or null while IPv6 targets are not probed; read by the workers in {@link #offer}. */
    private volatile Ipv6Self ipv6;
    private final AtomicLong repliesDiverted = new AtomicLong();
    private final AtomicLong injectFailures = new AtomicLong();
    private ScheduledExecutorService timer;

    /**
     * @param ourVtep     our VTEP address {@code <subnet>.0}, the probes' source
     * @param ourPublicIp the PublicIP we advertise now, for the warning
     * @param targets     the peers to probe now (read each round, so leases that come and go are followed)
     * @param warnings    where the one-per-outage warning goes (the log)
     * @param notices     where "answers again" goes (the log)
     * @param clock       nanoseconds, monotonic ({@code System::nanoTime})
     */
    public Prober(ProbeSettings settings, int ourVtep, Supplier<String> ourPublicIp, ProbeInjector injector,
                  Supplier<? extends Collection<Target>> targets, Consumer<String> warnings, Consumer<String> notices,
                  LongSupplier clock) {
        this(settings, ourVtep, ourPublicIp, new SecureRandom().nextInt(0x10000), injector, targets, warnings, notices, clock);
    }

    Prober(ProbeSettings settings, int ourVtep, Supplier<String> ourPublicIp, int identifier, ProbeInjector injector,
           Supplier<? extends Collection<Target>> targets, Consumer<String> warnings, Consumer<String> notices,
           LongSupplier clock) {
        this(settings, ourVtep, ourPublicIp, identifier, injector, targets, ProbeLog.perPeer(warnings, notices), clock);
    }

    /**
     * As {@link #Prober(ProbeSettings, int, Supplier, ProbeInjector, Supplier, Consumer, Consumer, LongSupplier)}, with
     * each round's news going to {@code log} in one call (the agent's log says many peers in one line).
     */
    public Prober(ProbeSettings settings, int ourVtep, Supplier<String> ourPublicIp, ProbeInjector injector,
                  Supplier<? extends Collection<Target>> targets, ProbeLog log, LongSupplier clock) {
        this(settings, ourVtep, ourPublicIp, new SecureRandom().nextInt(0x10000), injector, targets, log, clock);
    }

    Prober(ProbeSettings settings, int ourVtep, Supplier<String> ourPublicIp, int identifier, ProbeInjector injector,
           Supplier<? extends Collection<Target>> targets, ProbeLog log, LongSupplier clock) {
        this.settings = settings;
        this.ourVtep = ourVtep;
        this.ourPublicIp = ourPublicIp;
        this.identifier = identifier & 0xFFFF;
        this.injector = injector;
        this.targets = targets;
        this.log = log;
        this.clock = clock;
    }

    /** An echo reply taken from the decap path: from which VTEP, its sequence number, when. */
    private record Reply(Target.VtepKey from, int sequence, long at) {
    }

    /** Our IPv6 VTEP address ({@code <IPv6 subnet>::}) and the PublicIPv6 we advertise now, for the warning. */
    private record Ipv6Self(long hi, long lo, Supplier<String> publicIpv6) {
    }

    /**
     * Probes the IPv6 targets too, from our IPv6 VTEP {@code <localSubnet6>::} (without this they are left out: a host
     * without an IPv6 overlay has no address to probe from).
     *
     * @param ourPublicIpv6 the PublicIPv6 we advertise now, for the warning
     */
    public Prober enableIpv6(Subnet localSubnet6, Supplier<String> ourPublicIpv6) {
        ipv6 = new Ipv6Self(localSubnet6.v6High(), localSubnet6.v6Low(), ourPublicIpv6);
        return this;
    }

    /** The ICMP identifier our probes carry. */
    public int identifier() {
        return identifier;
    }

    /** Echo replies taken from the decap path instead of going to the TUN. */
    public long repliesDiverted() {
        return repliesDiverted.get();
    }

    /** Starts probing on a thread of its own, every {@link ProbeSettings#interval()}. */
    public synchronized Prober start() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "weft-probe");
                t.setDaemon(true);
                return t;
            });
            long ms = settings.interval().toMillis();
            timer.scheduleWithFixedDelay(this::tickQuietly, ms / 2, ms, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.problem("reachability probes: " + e);
        }
    }

    // ---------------------------------------------------------------- from the workers

    @Override
    public boolean offer(ByteBuf buf, int ipIndex, int ipLength) {
        Reply r;
        if (Ip.version(buf, ipIndex) == 6) {
            Ipv6Self self = ipv6;
            if (self == null || !EchoPackets.isProbeReplyV6(buf, ipIndex, ipLength, self.hi, self.lo, identifier)) {
                return false;
            }
            // Rare (one per peer per interval), so a small allocation here is fine; the worker never waits for a lock.
            r = new Reply(new Target.VtepKey(true, Ipv6.srcHi(buf, ipIndex), Ipv6.srcLo(buf, ipIndex)),
                    EchoPackets.sequenceV6(buf, ipIndex), clock.getAsLong());
        } else {
            if (!EchoPackets.isProbeReply(buf, ipIndex, ipLength, ourVtep, identifier)) {
                return false;
            }
            r = new Reply(new Target.VtepKey(false, 0, Ipv4.src(buf, ipIndex)), EchoPackets.sequence(buf, ipIndex),
                    clock.getAsLong());
        }
        replies.add(r);
        repliesDiverted.incrementAndGet();
        return true;
    }

    // ---------------------------------------------------------------- the rounds

    /** One round: take the answers in, settle what timed out, warn, and send the next probe to every peer. */
    public synchronized void tick() {
        long now = clock.getAsLong();
        followTargets();
        drainReplies();
        settleAndWarn(now);
        choosePaths(now);
        for (PeerProbes p : peers.values()) {
            send(p, now);
        }
        for (CandidateProbes c : paths.values()) {
            for (int i = 0; i < c.rings.length; i++) {
                PeerProbes ring = c.rings[i];
                int seq = ring.send(now);
                if (!injector.injectVia(EchoPackets.pathRequest(ourVtep, ring.target.vtepAddress(), identifier, seq),
                        c.candidate(i))) {
                    injectFailures.incrementAndGet();
                }
            }
        }
    }

    /** Settles each path's probes and moves a peer to the best path that answers (each switch said once). */
    private void choosePaths(long now) {
        long timeout = settings.timeout().toNanos();
        for (CandidateProbes c : paths.values()) {
            c.settle(now, timeout);
            PathCandidate next = c.decide();
            if (next == null) {
                continue;
            }
            PathCandidate before = c.path.current();
            c.path.use(next);
            switches.merge(next.kind().label(), 1L, Long::sum);
            log.pathChanged("peer " + describe(c.rings[0].target) + ": path " + before + " -> " + next + " ("
                    + c.reason(before, next) + ")");
        }
    }

    private void send(PeerProbes p, long now) {
        if (!injector.inject(request(p.target, p.send(now)))) {
            injectFailures.incrementAndGet();
        }
    }

    /** The echo request to {@code t}'s VTEP from ours of the same family. */
    private byte[] request(Target t, int seq) {
        if (t.ipv6()) {
            Ipv6Self self = ipv6;
            return EchoPackets.requestV6(self.hi, self.lo, t.subnet().v6High(), t.subnet().v6Low(), identifier, seq);
        }
        return EchoPackets.request(ourVtep, t.vtepAddress(), identifier, seq);
    }

    private void followTargets() {
        Set<Target.VtepKey> present = new HashSet<>();
        Set<Integer> presentV4 = new HashSet<>();
        boolean probeIpv6 = ipv6 != null;
        for (Target t : targets.get()) {
            if (t.ipv6() && !probeIpv6) {
                continue;
            }
            Target.VtepKey key = t.key();
            present.add(key);
            if (!t.ipv6()) {
                presentV4.add(t.vtepAddress());
            }
            PeerProbes existing = peers.get(key);
            if (existing == null || !existing.target.equals(t)) {
                // a new peer, or one that came back with a new address: start afresh
                int firstSeq = identifier * 31 + (t.ipv6() ? Long.hashCode(key.hi() ^ key.lo()) : t.vtepAddress());
                peers.put(key, new PeerProbes(t, settings.window(), firstSeq));
                if (t.ipv6()) {
                    continue; // (no path choice over IPv6)
                }
                paths.remove(t.vtepAddress());
                if (t.path() != null && t.path().choosable()) {
                    paths.put(t.vtepAddress(), new CandidateProbes(t.path(), t, settings.window(), firstSeq,
                            settings.unreachableAfter(), settings.unreachableAfter()));
                }
            }
        }
        peers.keySet().retainAll(present);
        paths.keySet().retainAll(presentV4);
    }

    private void drainReplies() {
        List<String> recovered = null;
        Reply r;
        while ((r = replies.poll()) != null) {
            PeerProbes p = peers.get(r.from());
            if (p == null) {
                continue;
            }
            boolean wasLost = p.warned;
            boolean mine = p.reply(r.sequence(), r.at());
            if (!mine && !r.from().ipv6()) {
                CandidateProbes c = paths.get((int) r.from().lo());
                if (c != null) {
                    c.reply(r.sequence(), r.at());
                }
            }
            if (mine && wasLost) {
                p.warned = false;
                recovered = recovered == null ? new ArrayList<>() : recovered;
                recovered.add("peer " + describe(p.target) + " answers probes again (RTT "
                        + String.format("%.1f", p.lastRttNanos / 1e6) + " ms)");
            }
        }
        if (recovered != null) {
            log.answering(recovered);
        }
    }

    private void settleAndWarn(long now) {
        long timeout = settings.timeout().toNanos();
        List<ProbeLog.Outage> lost = new ArrayList<>();
        for (PeerProbes p : peers.values()) {
            p.settle(now, timeout);
            if (p.consecutiveLost >= settings.warnAfter() && !p.warned) {
                p.warned = true;
                lost.add(new ProbeLog.Outage(p.target, unreachableMessage(p)));
            }
        }
        if (!lost.isEmpty()) {
            log.unreachable(lost);
        }
    }

    String unreachableMessage(PeerProbes p) {
        Target t = p.target;
        long seconds = settings.interval().toSeconds() * p.consecutiveLost;
        Ipv6Self self = ipv6;
        String ourVtepText = t.ipv6() ? Subnet.ofV6(self.hi, self.lo, 128).addressText() : Ipv4.format(ourVtep);
        String from = t.ipv6() ? self.publicIpv6.get() : ourPublicIp.get();
        String head = "peer " + describe(t) + " is unreachable: " + p.consecutiveLost + " probes in a row (" + seconds
                + " s) from our VTEP " + ourVtepText + " to its VTEP " + t.vtepText() + " got no answer"
                + (p.everAnswered ? " (it answered before)" : "") + ". Likely causes: (1) UDP port " + t.port()
                + " is dropped on the way - open UDP " + t.port() + " from " + from + " in the peer's security"
                + " group/firewall and ours, or move both to another port with Backend.Port if the provider drops or"
                + " intercepts it; ";
        if (t.ipv6()) {
            return head + "(2) the peer's PublicIPv6 " + t.publicIp() + " is wrong - it must be the address this host"
                    + " reaches it at (set -public-ipv6 on the peer); (3) there is no IPv6 route between " + from + " and "
                    + t.publicIp() + " (the IPv4 underlay may work while the IPv6 one does not). 'weft doctor' on both"
                    + " hosts checks the local side";
        }
        return head + "(2) the peer's PublicIP " + t.publicIp() + " is wrong - it must be the address"
                + " this host reaches it at (set -public-ip or --public-ip-from on the peer); (3) a NAT in front of the"
                + " peer has no mapping for UDP " + t.port() + " - it needs a 1:1 NAT or a port forward of UDP " + t.port()
                + " to the peer's private address. 'weft doctor' on both hosts checks the local side";
    }

    private static String describe(Target t) {
        return t.subnet() + " at " + (t.ipv6() ? "[" + t.publicIp() + "]" : t.publicIp()) + ":" + t.port();
    }

    // ---------------------------------------------------------------- views

    /** How one path of a weft peer fares. */
    public record PathProbe(String path, String endpoint, boolean inUse, int answeredInRow, int lostInRow) {
    }

    /** Per weft peer with more than one path (by subnet), how each path fares; the others have only their PublicIP. */
    public synchronized Map<String, List<PathProbe>> pathProbes() {
        Map<String, List<PathProbe>> out = new LinkedHashMap<>();
        for (CandidateProbes c : paths.values()) {
            List<PathProbe> list = new ArrayList<>();
            PathCandidate current = c.path.current();
            for (int i = 0; i < c.rings.length; i++) {
                PathCandidate pc = c.candidate(i);
                list.add(new PathProbe(pc.kind().label(), pc.endpointText(),
                        pc.equals(current), c.rings[i].consecutiveAnswered, c.rings[i].consecutiveLost));
            }
            out.put(c.rings[0].target.subnet().toString(), list);
        }
        return out;
    }

    /** Why the peer with VTEP {@code vtepAddress} is on its TCP path, or null if it is not on TCP. */
    public synchronized String whyTcp(int vtepAddress) {
        CandidateProbes c = paths.get(vtepAddress);
        return c == null ? null : c.whyTcp();
    }

    /** Path switches since start, by the kind of path switched to ({@code private}, {@code public}). */
    public synchronized Map<String, Long> pathSwitches() {
        return new java.util.TreeMap<>(switches);
    }

    /** What the probes know about every current peer. */
    public synchronized List<PeerStatus> status() {
        long now = clock.getAsLong();
        drainReplies();
        List<PeerStatus> out = new ArrayList<>();
        for (PeerProbes p : peers.values()) {
            out.add(status(p, now));
        }
        return out;
    }

    private PeerStatus status(PeerProbes p, long now) {
        return new PeerStatus(p.target, p.state(settings.unreachableAfter()),
                p.lastRttNanos < 0 ? null : Math.round(p.lastRttNanos / 1e4) / 100.0, p.lossPercent(), p.sent,
                p.answeredCount, p.everAnswered ? TimeUnit.NANOSECONDS.toSeconds(now - p.lastReplyAt) : null);
    }

    /** The answer to one immediate probe. */
    public record LiveResult(Target target, boolean answered, Double rttMillis) {
    }

    /**
     * Probes every peer now and waits up to {@code wait} for the answers (the doctor's live test: {@code nc -u}, built
     * in, through the tunnel).
     */
    public List<LiveResult> probeNow(Duration wait) throws InterruptedException {
        Map<Target.VtepKey, Integer> sentSeq = new HashMap<>();
        synchronized (this) {
            followTargets();
            long now = clock.getAsLong();
            for (Map.Entry<Target.VtepKey, PeerProbes> e : peers.entrySet()) {
                int seq = e.getValue().send(now);
                sentSeq.put(e.getKey(), seq);
                if (!injector.inject(request(e.getValue().target, seq))) {
                    injectFailures.incrementAndGet();
                }
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            synchronized (this) {
                drainReplies();
                boolean all = true;
                for (Map.Entry<Target.VtepKey, Integer> e : sentSeq.entrySet()) {
                    PeerProbes p = peers.get(e.getKey());
                    all &= p == null || p.isAnswered(e.getValue());
                }
                if (all || System.nanoTime() >= deadline) {
                    List<LiveResult> out = new ArrayList<>();
                    for (Map.Entry<Target.VtepKey, Integer> e : sentSeq.entrySet()) {
                        PeerProbes p = peers.get(e.getKey());
                        if (p != null) {
                            boolean ok = p.isAnswered(e.getValue());
                            out.add(new LiveResult(p.target, ok, ok ? Math.round(p.lastRttNanos / 1e4) / 100.0 : null));
                        }
                    }
                    return out;
                }
            }
            Thread.sleep(20);
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }
}
