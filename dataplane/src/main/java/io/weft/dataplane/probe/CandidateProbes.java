package io.weft.dataplane.probe;

import io.weft.fdb.Subnet;
import io.weft.fdb.path.PathCandidate;
import io.weft.fdb.path.PathKind;
import io.weft.fdb.path.PeerPath;

import java.util.List;

/**
 * The probes of each of a weft peer's paths (one ring per candidate, each sent to that candidate's address whatever
 * path the peer uses now) and the {@link PathChooser} that picks from them. The peer's data plane answers a path probe
 * back to the address and port it came from, so a candidate counts as working when it carries frames both ways.
 * Used by {@link Prober} under its lock only.
 */
final class CandidateProbes {
    /** Sequence numbers of one candidate's probes start this far from the next one's, so no two rings meet. */
    private static final int SEQ_SPACING = 0x4000;

    final PeerPath path;
    final PeerProbes[] rings;
    private final PathChooser chooser;
    private final int[] answered;
    private final int[] lost;

    CandidateProbes(PeerPath path, Target target, int window, int firstSeq, int upAfter, int downAfter) {
        this.path = path;
        List<PathCandidate> cs = path.candidates();
        this.rings = new PeerProbes[cs.size()];
        for (int i = 0; i < rings.length; i++) {
            rings[i] = new PeerProbes(target, window, firstSeq + (i + 1) * SEQ_SPACING);
        }
        this.chooser = new PathChooser(cs.size(), upAfter, downAfter);
        this.answered = new int[cs.size()];
        this.lost = new int[cs.size()];
    }

    PathCandidate candidate(int i) {
        return path.candidates().get(i);
    }

    /** Offers an answer to every ring; true if one of them had sent {@code seq}. */
    boolean reply(int seq, long at) {
        for (PeerProbes r : rings) {
            if (r.reply(seq, at)) {
                return true;
            }
        }
        return false;
    }

    void settle(long now, long timeoutNanos) {
        for (PeerProbes r : rings) {
            r.settle(now, timeoutNanos);
        }
    }

    /** The candidate to use after this round, or null to keep the current one. */
    PathCandidate decide() {
        List<PathCandidate> cs = path.candidates();
        for (int i = 0; i < rings.length; i++) {
            answered[i] = rings[i].consecutiveAnswered;
            lost[i] = rings[i].consecutiveLost;
        }
        int current = Math.max(0, cs.indexOf(path.current()));
        int fallback = Math.max(0, cs.indexOf(path.fallback()));
        int next = chooser.choose(current, fallback, answered, lost);
        return next == current ? null : cs.get(next);
    }

    /** Why the peer is on its TCP path now ({@link #tcpReason}), or null if it is not. */
    String whyTcp() {
        PathCandidate current = path.current();
        if (current == null || current.kind() != PathKind.TCP) {
            return null;
        }
        return tcpReason(path.fallback() != null ? path.fallback() : current, current);
    }

    /** {@code UDP 8472 to 203.0.113.7 gets no answer; TCP 8472 works}: why a peer is on its TCP path. */
    String tcpReason(PathCandidate from, PathCandidate tcp) {
        StringBuilder udp = new StringBuilder();
        for (PathCandidate c : path.candidates()) {
            if (c.kind() != PathKind.TCP) {
                udp.append(udp.length() == 0 ? "" : " or ").append(Subnet.formatAddress(c.endpoint().getAddress()));
            }
        }
        return "UDP " + from.endpoint().getPort() + " to " + udp + " gets no answer; TCP " + tcp.endpoint().getPort()
                + " works";
    }

    /** Why the peer moved from {@code from} to {@code to}, for the one log line of a switch. */
    String reason(PathCandidate from, PathCandidate to) {
        List<PathCandidate> cs = path.candidates();
        int f = cs.indexOf(from);
        int t = cs.indexOf(to);
        if (t < f) {
            return to.kind().label() + " answered " + rings[t].consecutiveAnswered + " probes in a row";
        }
        if (to.kind() == PathKind.TCP) {
            return tcpReason(from, to);
        }
        return from.kind().label() + " lost " + rings[f].consecutiveLost + " probes in a row"
                + (rings[t].consecutiveAnswered > 0 ? "" : "; nothing else answers, using the public path as flanneld does");
    }
}
