package io.weft.dataplane.worker;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-peer packet and byte counts, keyed by the peer's underlay IPv4 address (its PublicIP), in an
 * open-addressed table owned and written by one worker thread. Only a new peer grows the table; counting
 * a packet for a known peer allocates nothing. Read it on the owning thread ({@link #snapshot}).
 */
public final class PeerCounters {
    public static final int TX_PACKETS = 0;
    public static final int TX_BYTES = 1;
    public static final int RX_PACKETS = 2;
    public static final int RX_BYTES = 3;
    private static final int WIDTH = 4;

    private int[] keys = new int[16];
    private boolean[] used = new boolean[16];
    private long[] values = new long[16 * WIDTH];
    private int size;

    public void add(int address, int field, long delta) {
        int slot = slotFor(address);
        values[slot * WIDTH + field] += delta;
    }

    public void count(int address, int packetsField, int bytes) {
        int slot = slotFor(address);
        values[slot * WIDTH + packetsField] += 1;
        values[slot * WIDTH + packetsField + 1] += bytes;
    }

    private int slotFor(int address) {
        int mask = keys.length - 1;
        int i = mix(address) & mask;
        while (used[i]) {
            if (keys[i] == address) {
                return i;
            }
            i = (i + 1) & mask;
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
            return slotFor(address);
        }
        used[i] = true;
        keys[i] = address;
        size++;
        return i;
    }

    private void grow() {
        int[] oldKeys = keys;
        boolean[] oldUsed = used;
        long[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        used = new boolean[oldKeys.length * 2];
        values = new long[keys.length * WIDTH];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldUsed[i]) {
                int slot = slotFor(oldKeys[i]);
                System.arraycopy(oldValues, i * WIDTH, values, slot * WIDTH, WIDTH);
            }
        }
    }

    private static int mix(int v) {
        int h = v * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** address → {txPackets, txBytes, rxPackets, rxBytes}. */
    public Map<Integer, long[]> snapshot() {
        Map<Integer, long[]> out = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            if (used[i]) {
                long[] v = new long[WIDTH];
                System.arraycopy(values, i * WIDTH, v, 0, WIDTH);
                out.put(keys[i], v);
            }
        }
        return out;
    }
}
