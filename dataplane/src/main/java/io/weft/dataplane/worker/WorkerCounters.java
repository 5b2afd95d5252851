package io.weft.dataplane.worker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One worker's {@link Counter}s, written only by the worker's own thread and read by anyone without a hop onto the
 * event loop (as Agrona's counters are). The owner reads its own plain values and publishes each new value with an
 * ordered (release) store: on x86 that is a plain store the compiler may not reorder, so counting costs what a
 * {@code long[]} increment costs. A reader's acquire load sees every value at most as old as the last store it
 * raced with, and never a torn one.
 */
public final class WorkerCounters {
    private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values = new long[Counter.COUNT];
    private final PeerCounters peers = new PeerCounters();

    /** Owner thread only: one more. */
    public void increment(Counter c) {
        add(c, 1);
    }

    /** Owner thread only. */
    public void add(Counter c, long delta) {
        int i = c.ordinal();
        VALUES.setRelease(values, i, values[i] + delta);
    }

    /** The per-peer counts, published the same way. */
    public PeerCounters peers() {
        return peers;
    }

    /** Owner thread only: {@code packets} packets of {@code bytes} inner bytes in all sent to {@code peer}. */
    public void countTx(int peer, int packets, int bytes) {
        add(Counter.TX_PACKETS, packets);
        add(Counter.TX_BYTES, bytes);
        peers.add(peer, PeerCounters.TX_PACKETS, packets);
        peers.add(peer, PeerCounters.TX_BYTES, bytes);
    }

    /** Any thread: the value the owner last published. */
    public long get(Counter c) {
        return (long) VALUES.getAcquire(values, c.ordinal());
    }
}
