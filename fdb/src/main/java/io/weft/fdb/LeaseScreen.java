package io.weft.fdb;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Decides which peers' leases a table routes to, and says why the others are not: a lease outside the network or
 * overlapping our own subnet is refused; overlapping peers' leases are all kept (the table routes by longest prefix,
 * as the kernel does for a flanneld host) and each overlap is reported with both keys and which lease gets what.
 */
final class LeaseScreen {
    /** The order of peers in a table, and so which of two leases claiming one subnet wins: subnet, then key. */
    static final Comparator<Peer> TABLE_ORDER = Comparator.comparing(Peer::orderKey)
            .thenComparing(p -> p.lease().key());

    /** The peers to route to, in {@link #TABLE_ORDER}, and what was found on the way. */
    record Result(List<Peer> kept, List<LeaseIssue> issues) {
    }

    private LeaseScreen() {
    }

    static Result screen(TableScope scope, List<Peer> candidates) {
        List<LeaseIssue> issues = new ArrayList<>();
        List<Peer> kept = new ArrayList<>();
        for (Peer p : candidates) {
            LeaseIssue refusal = refusal(scope, p);
            if (refusal == null) {
                kept.add(p);
            } else {
                issues.add(refusal);
            }
        }
        kept.sort(TABLE_ORDER);
        reportOverlaps(kept, Peer::hasV4, Peer::subnet, issues);
        reportOverlaps(kept, Peer::hasV6, Peer::ipv6Subnet, issues);
        return new Result(kept, issues);
    }

    private static LeaseIssue refusal(TableScope scope, Peer p) {
        Lease l = p.lease();
        if (p.hasV4()) {
            LeaseIssue i = refusal(l, l.subnet(), scope.network(), "Network", scope.local());
            if (i != null) {
                return i;
            }
        }
        return p.hasV6() ? refusal(l, l.ipv6Subnet(), scope.ipv6Network(), "IPv6Network", scope.localIpv6()) : null;
    }

    private static LeaseIssue refusal(Lease l, Subnet s, Subnet network, String networkName, Subnet local) {
        if (network != null && !network.contains(s)) {
            return new LeaseIssue(LeaseIssue.Kind.OUTSIDE_NETWORK, l, null, "lease " + l.key() + " (" + where(l)
                    + ") is outside " + networkName + " " + network + "; refusing it: no traffic goes to it. A node of this"
                    + " cluster would never take it: delete the key, or fix the tool or config that wrote it");
        }
        if (local != null && local.overlaps(s)) {
            return new LeaseIssue(LeaseIssue.Kind.OVERLAPS_LOCAL, l, null, "lease " + l.key() + " (" + where(l)
                    + ") overlaps our own subnet " + local + "; refusing it, so that our pods' traffic stays here."
                    + " Delete the key unless it is this host's");
        }
        return null;
    }

    /**
     * Sorted by address then prefix length, the leases holding a subnet are on the stack of open enclosing subnets
     * when it comes (CIDR blocks either nest or are disjoint), so each overlap with the nearest enclosing lease is
     * found in one pass after the sort.
     */
    private static void reportOverlaps(List<Peer> kept, Predicate<Peer> has, Function<Peer, Subnet> subnetOf,
                                       List<LeaseIssue> issues) {
        List<Peer> family = new ArrayList<>();
        for (Peer p : kept) {
            if (has.test(p)) {
                family.add(p);
            }
        }
        family.sort(Comparator.comparing(subnetOf).thenComparing(TABLE_ORDER));
        Deque<Peer> enclosing = new ArrayDeque<>();
        for (Peer p : family) {
            Subnet s = subnetOf.apply(p);
            while (!enclosing.isEmpty() && !subnetOf.apply(enclosing.peek()).contains(s)) {
                enclosing.pop();
            }
            Peer outer = enclosing.peek();
            if (outer != null && subnetOf.apply(outer).equals(s)) {
                issues.add(sameSubnet(outer, p, s));
                continue;
            }
            if (outer != null) {
                issues.add(overlap(outer, subnetOf.apply(outer), p, s));
            }
            enclosing.push(p);
        }
    }

    private static LeaseIssue overlap(Peer wide, Subnet w, Peer narrow, Subnet n) {
        return new LeaseIssue(LeaseIssue.Kind.OVERLAP, wide.lease(), narrow.lease(), "leases " + wide.lease().key()
                + " (" + where(wide.lease()) + ") and " + narrow.lease().key() + " (" + where(narrow.lease())
                + ") overlap; routing by longest prefix as the kernel does: " + n + " goes to " + endpoint(narrow, n)
                + ", the rest of " + w + " to " + endpoint(wide, w) + ". flannel never hands out overlapping subnets:"
                + " delete the key that was written by hand or by a broken tool");
    }

    private static LeaseIssue sameSubnet(Peer winner, Peer loser, Subnet s) {
        return new LeaseIssue(LeaseIssue.Kind.SAME_SUBNET, winner.lease(), loser.lease(), "leases " + winner.lease().key()
                + " (" + where(winner.lease()) + ") and " + loser.lease().key() + " (" + where(loser.lease())
                + ") both claim " + s + "; its traffic goes to " + endpoint(winner, s) + " (the first key in order)."
                + " Delete the key of the node that no longer holds it");
    }

    private static String where(Lease l) {
        String v4 = l.publicIp() == null ? null : "PublicIP " + Subnet.formatAddress(l.publicIp());
        String v6 = l.publicIpv6() == null ? null : "PublicIPv6 " + Subnet.formatAddress(l.publicIpv6());
        return v4 != null && v6 != null ? v4 + ", " + v6 : v4 != null ? v4 : v6 != null ? v6 : "no PublicIP";
    }

    private static String endpoint(Peer p, Subnet s) {
        return Subnet.formatAddress(s.isIpv6() ? p.lease().publicIpv6() : p.lease().publicIp());
    }
}
