package io.weft.fdb.registry;

import io.weft.fdb.Subnet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * flanneld's choice of a free subnet: walk from SubnetMin to SubnetMax in subnet-sized steps, collect up to 100
 * candidates that overlap no existing lease, and pick one of them uniformly at random. Picking among the first
 * free ones (rather than the first) makes two nodes starting together unlikely to race for the same key.
 */
final class SubnetAllocator {
    static final int MAX_CANDIDATES = 100;

    private SubnetAllocator() {
    }

    static Optional<Subnet> pick(Subnet min, Subnet max, Collection<Subnet> taken, RandomGenerator random) {
        List<Subnet> free = candidates(min, max, taken);
        return free.isEmpty() ? Optional.empty() : Optional.of(free.get(random.nextInt(free.size())));
    }

    static List<Subnet> candidates(Subnet min, Subnet max, Collection<Subnet> taken) {
        // Leases of the configured length are checked by exact match; any others (a config change in flight, a
        // hand-written key) by overlap.
        Set<Subnet> sameLength = new HashSet<>();
        List<Subnet> otherLength = new ArrayList<>();
        for (Subnet t : taken) {
            if (t == null || t.isIpv6() != min.isIpv6()) {
                continue;
            }
            if (t.prefixLength() == min.prefixLength()) {
                sameLength.add(t);
            } else {
                otherLength.add(t);
            }
        }
        List<Subnet> out = new ArrayList<>();
        // Bounded: each step yields a candidate, passes one same-length lease, or jumps past a wider lease.
        for (Subnet s = min; s.compareTo(max) <= 0 && out.size() < MAX_CANDIDATES; ) {
            Subnet wider = null;
            boolean free = !sameLength.contains(s);
            for (Subnet t : otherLength) {
                if (t.overlaps(s)) {
                    free = false;
                    if (t.prefixLength() < s.prefixLength()) {
                        wider = t;
                    }
                }
            }
            if (free) {
                out.add(s);
            }
            Subnet next = wider == null ? s.next() : Subnet.of(wider.next().address(), s.prefixLength());
            if (next.compareTo(s) <= 0) {
                break; // wrapped around the end of the address space
            }
            s = next;
        }
        return out;
    }
}
