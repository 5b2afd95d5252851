package io.weft.fdb;

/** int → Peer, open addressing over primitive arrays; built once per snapshot, read without allocation. */
final class IntPeerMap {
    private final int[] keys;
    private final boolean[] used;
    private final Peer[] values;
    private final int mask;

    IntPeerMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new int[cap];
        used = new boolean[cap];
        values = new Peer[cap];
        mask = cap - 1;
    }

    /** Adds {@code key → value} unless {@code key} is already present: the first put for a key wins. */
    void putIfAbsent(int key, Peer value) {
        int i = slot(key);
        while (used[i]) {
            if (keys[i] == key) {
                return;
            }
            i = (i + 1) & mask;
        }
        used[i] = true;
        keys[i] = key;
        values[i] = value;
    }

    Peer get(int key) {
        int i = slot(key);
        while (used[i]) {
            if (keys[i] == key) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    private int slot(int key) {
        int h = key * 0x9E37_79B9;
        return (h ^ (h >>> 16)) & mask;
    }
}
