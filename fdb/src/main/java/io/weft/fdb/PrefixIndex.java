package io.weft.fdb;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The peers of one prefix length, hashed on their masked network address. Open addressing with linear
 * probing over primitive arrays at a load factor of at most 1/2: a lookup is a mask, a multiply and usually
 * one probe, and never allocates. With prefix length 32 or 128 it is an exact address map.
 */
final class PrefixIndex {
    private final int prefixLength;
    private final boolean ipv6;
    private final int v4Mask;
    private final long v6MaskHi;
    private final long v6MaskLo;
    private final long[] keyHi;
    private final long[] keyLo;
    private final boolean[] used;
    private final Peer[] values;
    private final int slotMask;

    /** Indexes {@code peers} under {@code keyOf(peer)}; when two share a key, the one earlier in the list wins. */
    PrefixIndex(int prefixLength, boolean ipv6, List<Peer> peers, Function<Peer, Subnet> keyOf) {
        this.prefixLength = prefixLength;
        this.ipv6 = ipv6;
        this.v4Mask = ipv6 ? 0 : Subnet.v4Mask(prefixLength);
        this.v6MaskHi = Subnet.v6MaskHi(prefixLength);
        this.v6MaskLo = Subnet.v6MaskLo(prefixLength);
        int cap = Integer.highestOneBit(Math.max(4, peers.size() * 2 - 1)) << 1;
        this.keyHi = new long[cap];
        this.keyLo = new long[cap];
        this.used = new boolean[cap];
        this.values = new Peer[cap];
        this.slotMask = cap - 1;
        for (Peer p : peers) {
            Subnet s = keyOf.apply(p);
            insert(s.v6High(), s.v6Low(), p);
        }
    }

    /** One index per IPv4 prefix length present, longest first, so the most specific route wins. */
    static PrefixIndex[] forV4(List<Peer> peers) {
        return byLength(peers, false, Peer::hasV4, Peer::subnet);
    }

    /** One index per IPv6 prefix length present, longest first. */
    static PrefixIndex[] forV6(List<Peer> peers) {
        return byLength(peers, true, Peer::hasV6, Peer::ipv6Subnet);
    }

    private static PrefixIndex[] byLength(List<Peer> peers, boolean ipv6, java.util.function.Predicate<Peer> takes,
                                          Function<Peer, Subnet> keyOf) {
        Map<Integer, List<Peer>> byLen = new TreeMap<>(Comparator.reverseOrder());
        for (Peer p : peers) {
            if (takes.test(p)) {
                byLen.computeIfAbsent(keyOf.apply(p).prefixLength(), k -> new ArrayList<>()).add(p);
            }
        }
        return byLen.entrySet().stream().map(e -> new PrefixIndex(e.getKey(), ipv6, e.getValue(), keyOf))
                .toArray(PrefixIndex[]::new);
    }

    int prefixLength() {
        return prefixLength;
    }

    Peer getV4(int dst) {
        long key = (dst & v4Mask) & 0xFFFF_FFFFL;
        return find(0, key);
    }

    Peer getV6(long hi, long lo) {
        return find(hi & v6MaskHi, lo & v6MaskLo);
    }

    private Peer find(long hi, long lo) {
        int i = slot(hi, lo);
        while (used[i]) {
            if (keyHi[i] == hi && keyLo[i] == lo) {
                return values[i];
            }
            i = (i + 1) & slotMask;
        }
        return null;
    }

    private void insert(long hi, long lo, Peer p) {
        int i = slot(hi, lo);
        while (used[i]) {
            if (keyHi[i] == hi && keyLo[i] == lo) {
                return;
            }
            i = (i + 1) & slotMask;
        }
        used[i] = true;
        keyHi[i] = hi;
        keyLo[i] = lo;
        values[i] = p;
    }

    private int slot(long hi, long lo) {
        long h = (hi * 0x9E37_79B9_7F4A_7C15L) ^ (lo * 0xC2B2_AE3D_27D4_EB4FL);
        return (int) (h ^ (h >>> 29) ^ (h >>> 47)) & slotMask;
    }

    @Override
    public String toString() {
        return (ipv6 ? "v6/" : "v4/") + prefixLength;
    }
}
