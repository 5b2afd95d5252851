package io.weft.fdb;

import java.util.Objects;

/**
 * Something wrong with a peer's lease as a route, found when a table is built: a lease refused (outside the network,
 * or overlapping our own subnet), or two leases that overlap, which longest-prefix routing settles.
 *
 * @param kind    what is wrong
 * @param lease   the lease the issue is about (the refused one, or the wider of two overlapping leases)
 * @param other   the other lease of an overlap, or null
 * @param message one line for the log and {@code weft doctor}: both keys, what weft does about it, what to do
 */
public record LeaseIssue(Kind kind, Lease lease, Lease other, String message) {
    public enum Kind {
        /** The lease's subnet is not inside the config's Network: refused. */
        OUTSIDE_NETWORK,
        /** The lease's subnet overlaps this host's own subnet: refused, so local traffic stays local. */
        OVERLAPS_LOCAL,
        /** One lease's subnet holds another's: both route, the longer prefix wins for the addresses it holds. */
        OVERLAP,
        /** Two leases claim the very same subnet: one of them gets that subnet's traffic. */
        SAME_SUBNET,
        /**
         * The lease's IPv6 subnet cannot be routed (no PublicIPv6, or no BackendV6Data with its VtepMAC): its IPv6
         * traffic is dropped as no_route; its IPv4 subnet, if any, is routed as usual.
         */
        NO_IPV6_ROUTE;

        /** True if the lease is left out of the table altogether. */
        public boolean refuses() {
            return this == OUTSIDE_NETWORK || this == OVERLAPS_LOCAL;
        }
    }

    public LeaseIssue {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(message, "message");
    }

    /**
     * What identifies this issue between two tables, so that it is logged once while it lasts, and again if it comes
     * back after it was gone: the kind and both keys.
     */
    public String topic() {
        return kind + " " + lease.key() + (other == null ? "" : " " + other.key());
    }
}
