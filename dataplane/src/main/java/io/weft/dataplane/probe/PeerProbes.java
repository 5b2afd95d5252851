package io.weft.dataplane.probe;

/**
 * The probes in flight and settled for one peer: a ring of the last {@code window} probes by sequence number. Used
 * by {@link Prober} under its lock only.
 */
final class PeerProbes {
    final Target target;
    private final int window;
    private final long[] sentAt;
    private final int[] seqAt;
    private final boolean[] answered;
    private final boolean[] settled;
    private int nextSeq;
    long sent;
    long answeredCount;
    long lastRttNanos = -1;
    long lastReplyAt;
    boolean everAnswered;
    int consecutiveLost;
    /** Probes answered since the last one lost (settled lost resets it). */
    int consecutiveAnswered;
    boolean warned;

    PeerProbes(Target target, int window, int firstSeq) {
        this.target = target;
        this.window = window;
        this.sentAt = new long[window];
        this.seqAt = new int[window];
        this.answered = new boolean[window];
        this.settled = new boolean[window];
        this.nextSeq = firstSeq & 0xFFFF;
        java.util.Arrays.fill(seqAt, -1);
    }

    /** Records a probe sent now; returns its sequence number. */
    int send(long now) {
        int seq = nextSeq;
        nextSeq = (nextSeq + 1) & 0xFFFF;
        int slot = seq % window;
        seqAt[slot] = seq;
        sentAt[slot] = now;
        answered[slot] = false;
        settled[slot] = false;
        sent++;
        return seq;
    }

    /** An answer to {@code seq} arrived at {@code at}; false if it answers nothing in flight (late or foreign). */
    boolean reply(int seq, long at) {
        int slot = seq % window;
        if (seqAt[slot] != seq || answered[slot] || settled[slot]) {
            return false;
        }
        answered[slot] = true;
        settled[slot] = true;
        lastRttNanos = Math.max(0, at - sentAt[slot]);
        lastReplyAt = at;
        everAnswered = true;
        answeredCount++;
        consecutiveLost = 0;
        consecutiveAnswered++;
        return true;
    }

    boolean isAnswered(int seq) {
        int slot = seq % window;
        return seqAt[slot] == seq && answered[slot];
    }

    /** Settles the probes older than {@code timeout} that were not answered, in the order they were sent. */
    void settle(long now, long timeoutNanos) {
        int lost = 0;
        for (int i = 0; i < window; i++) {
            if (seqAt[i] >= 0 && !settled[i] && now - sentAt[i] >= timeoutNanos) {
                settled[i] = true;
                lost++;
            }
        }
        consecutiveLost += lost;
        if (lost > 0) {
            consecutiveAnswered = 0;
        }
    }

    /** Lost among the settled probes in the ring, in percent, or null if none is settled. */
    Integer lossPercent() {
        int n = 0;
        int lost = 0;
        for (int i = 0; i < window; i++) {
            if (seqAt[i] >= 0 && settled[i]) {
                n++;
                if (!answered[i]) {
                    lost++;
                }
            }
        }
        return n == 0 ? null : Math.round(100f * lost / n);
    }

    String state(int unreachableAfter) {
        if (consecutiveLost >= unreachableAfter) {
            return PeerStatus.UNREACHABLE;
        }
        return everAnswered ? PeerStatus.REACHABLE : PeerStatus.UNKNOWN;
    }
}
