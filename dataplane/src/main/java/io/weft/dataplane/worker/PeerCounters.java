package io.weft.dataplane.worker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-peer packet and byte counts, keyed by the peer's underlay IPv4 address (its PublicIP), in an open-addressed
 * table written by one worker thread and readable by any ({@link #snapshot}) without a hop onto that thread. Only a
 * new peer grows the table; counting a packet for a known peer allocates nothing.
 *
 * <p>Publication, as in {@link WorkerCounters}: the owner stores values with ordered (release) stores, marks a new
 * slot used only after its key is written, and hands a grown table to readers through one volatile write after it
 * has copied everything into it. A reader sees each peer's values at most as old as the last store it raced with.
 */
public final class PeerCounters {
    public static final int TX_PACKETS = 0;
    public static final int TX_BYTES = 1;
    public static final int RX_PACKETS = 2;
    public static final int RX_BYTES = 3;
    private static final int WIDTH = 4;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle FLAGS = MethodHandles.arrayElementVarHandle(boolean[].class);

    /** One generation of the table; replaced whole when it grows. */
    private static final class Table {
        final int[] keys;
        final boolean[] used;
        final long[] values;

        Table(int slots) {
            keys = new int[slots];
            used = new boolean[slots];
            values = new long[slots * WIDTH];
        }
    }

    /** Written by the owner only; read through {@link #published} by others. */
    private Table table = new Table(16);
    private volatile Table published = table;
    private int size;

    public void add(int address, int field, long delta) {
        int at = slotFor(address) * WIDTH + field;
        long[] v = table.values; // after slotFor, which may have grown the table
        LONGS.setRelease(v, at, v[at] + delta);
    }

    public void count(int address, int packetsField, int bytes) {
        int at = slotFor(address) * WIDTH + packetsField;
        long[] v = table.values; // after slotFor, which may have grown the table
        LONGS.setRelease(v, at, v[at] + 1);
        LONGS.setRelease(v, at + 1, v[at + 1] + bytes);
    }

    private int slotFor(int address) {
        Table t = table;
        int mask = t.keys.length - 1;
        int i = mix(address) & mask;
        while (t.used[i]) {
            if (t.keys[i] == address) {
                return i;
            }
            i = (i + 1) & mask;
        }
        if ((size + 1) * 2 > t.keys.length) {
            grow();
            return slotFor(address);
        }
        t.keys[i] = address;
        FLAGS.setRelease(t.used, i, true);
        size++;
        return i;
    }

    private void grow() {
        Table old = table;
        Table t = new Table(old.keys.length * 2);
        int mask = t.keys.length - 1;
        for (int i = 0; i < old.keys.length; i++) {
            if (old.used[i]) {
                int slot = mix(old.keys[i]) & mask;
                while (t.used[slot]) {
                    slot = (slot + 1) & mask;
                }
                t.keys[slot] = old.keys[i];
                t.used[slot] = true;
                System.arraycopy(old.values, i * WIDTH, t.values, slot * WIDTH, WIDTH);
            }
        }
        table = t;
        published = t; // the volatile write publishes everything copied above
    }

    private static int mix(int v) {
        int h = v * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** Any thread: address → {txPackets, txBytes, rxPackets, rxBytes}. */
    public Map<Integer, long[]> snapshot() {
        Table t = published;
        Map<Integer, long[]> out = new LinkedHashMap<>();
        for (int i = 0; i < t.keys.length; i++) {
            if ((boolean) FLAGS.getAcquire(t.used, i)) {
                long[] v = new long[WIDTH];
                for (int f = 0; f < WIDTH; f++) {
                    v[f] = (long) LONGS.getAcquire(t.values, i * WIDTH + f);
                }
                out.put(t.keys[i], v);
            }
        }
        return out;
    }
}
