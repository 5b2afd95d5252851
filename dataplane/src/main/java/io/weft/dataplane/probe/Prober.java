package io.weft.dataplane.probe;

import io.netty.buffer.ByteBuf;
import io.weft.fdb.path.PathCandidate;
import io.weft.vtep.Ipv4;

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
    private final Map<Integer, PeerProbes> peers = new LinkedHashMap<>();
    /** The per-path probes of the weft peers that have more than one path, by VTEP address. */
    private final Map<Integer, CandidateProbes> paths = new HashMap<>();
    /** Path switches so far, by the kind switched to. */
    private final Map<String, Long> switches = new java.util.TreeMap<>();
    private final ConcurrentLinkedQueue<long[]> replies = new ConcurrentLinkedQueue<>();
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
        if (!EchoPackets.isProbeReply(buf, ipIndex, ipLength, ourVtep, identifier)) {
            return false;
        }
        // Rare (one per peer per interval), so a small allocation here is fine; the worker never waits for a lock.
        replies.add(new long[] {Ipv4.src(buf, ipIndex), EchoPackets.sequence(buf, ipIndex), clock.getAsLong()});
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
        int seq = p.send(now);
        if (!injector.inject(EchoPackets.request(ourVtep, p.target.vtepAddress(), identifier, seq))) {
            injectFailures.incrementAndGet();
        }
    }

    private void followTargets() {
        Set<Integer> present = new HashSet<>();
        for (Target t : targets.get()) {
            if (t.subnet().isIpv6()) {
                continue;
            }
            present.add(t.vtepAddress());
            PeerProbes existing = peers.get(t.vtepAddress());
            if (existing == null || !existing.target.equals(t)) {
                // a new peer, or one that came back with a new address: start afresh
                int firstSeq = identifier * 31 + t.vtepAddress();
                peers.put(t.vtepAddress(), new PeerProbes(t, settings.window(), firstSeq));
                paths.remove(t.vtepAddress());
                if (t.path() != null && t.path().choosable()) {
                    paths.put(t.vtepAddress(), new CandidateProbes(t.path(), t, settings.window(), firstSeq,
                            settings.unreachableAfter(), settings.unreachableAfter()));
                }
            }
        }
        peers.keySet().retainAll(present);
        paths.keySet().retainAll(present);
    }

    private void drainReplies() {
        List<String> recovered = null;
        long[] r;
        while ((r = replies.poll()) != null) {
            PeerProbes p = peers.get((int) r[0]);
            if (p == null) {
                continue;
            }
            boolean wasLost = p.warned;
            boolean mine = p.reply((int) r[1], r[2]);
            if (!mine) {
                CandidateProbes c = paths.get((int) r[0]);
                if (c != null) {
                    c.reply((int) r[1], r[2]);
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
        return "peer " + describe(t) + " is unreachable: " + p.consecutiveLost + " probes in a row (" + seconds
                + " s) from our VTEP " + Ipv4.format(ourVtep) + " to its VTEP " + Ipv4.format(t.vtepAddress())
                + " got no answer" + (p.everAnswered ? " (it answered before)" : "") + ". Likely causes: (1) UDP port "
                + t.port() + " is dropped on the way - open UDP " + t.port() + " from " + ourPublicIp.get() + " in the peer's"
                + " security group/firewall and ours, or move both to another port with Backend.Port if the provider"
                + " drops or intercepts it; (2) the peer's PublicIP " + t.publicIp() + " is wrong - it must be the address"
                + " this host reaches it at (set -public-ip or --public-ip-from on the peer); (3) a NAT in front of the"
                + " peer has no mapping for UDP " + t.port() + " - it needs a 1:1 NAT or a port forward of UDP " + t.port()
                + " to the peer's private address. 'weft doctor' on both hosts checks the local side";
    }

    private static String describe(Target t) {
        return t.subnet() + " at " + t.publicIp() + ":" + t.port();
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
        Map<Integer, Integer> sentSeq = new HashMap<>();
        Map<Integer, Long> sentAt = new HashMap<>();
        synchronized (this) {
            followTargets();
            long now = clock.getAsLong();
            for (Map.Entry<Integer, PeerProbes> e : peers.entrySet()) {
                int seq = e.getValue().send(now);
                sentSeq.put(e.getKey(), seq);
                sentAt.put(e.getKey(), now);
                if (!injector.inject(EchoPackets.request(ourVtep, e.getValue().target.vtepAddress(), identifier, seq))) {
                    injectFailures.incrementAndGet();
                }
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            synchronized (this) {
                drainReplies();
                boolean all = true;
                for (Map.Entry<Integer, Integer> e : sentSeq.entrySet()) {
                    PeerProbes p = peers.get(e.getKey());
                    all &= p == null || p.isAnswered(e.getValue());
                }
                if (all || System.nanoTime() >= deadline) {
                    List<LiveResult> out = new ArrayList<>();
                    for (Map.Entry<Integer, Integer> e : sentSeq.entrySet()) {
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
