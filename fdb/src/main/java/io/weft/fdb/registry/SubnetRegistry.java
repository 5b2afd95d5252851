package io.weft.fdb.registry;

import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;

/**
 * Where this node's subnet and everyone else's come from: flannel's etcd subnet manager ({@link LeaseRegistry}) or
 * its Kubernetes one ({@code io.weft.fdb.kube.KubeSubnetRegistry}). The agent drives either the same way:
 * {@link #awaitValidConfig}, {@link #acquire}, {@link #startKeeping} with what acquire returned once the data plane is
 * up, {@link #startWatching}.
 */
public interface SubnetRegistry extends AutoCloseable {
    /**
     * Waits for a valid network config, as flanneld does: while it is missing or invalid, or its source cannot be
     * reached, it retries and says what is wrong (where, and which field) every so often.
     */
    NetworkConfig awaitValidConfig() throws InterruptedException;

    /** Takes (etcd) or reads and annotates (Kubernetes) our subnet under {@code config}; waits while it cannot. */
    HeldLease acquire(NetworkConfig config, AcquireRequest request) throws SubnetsExhaustedException, InterruptedException;

    /** Keeps the lease {@link #acquire} returned current from now on, reporting what happens to it to {@code listener}. */
    void startKeeping(HeldLease held, LeaseListener listener);

    /** Reports every other node's vxlan lease to {@code events}: first those there now as added, then changes. */
    void startWatching(SubnetKey local, LeaseEvents events);

    /** As {@link #startWatching(SubnetKey, LeaseEvents)} for a single-stack IPv4 lease (or null: every lease). */
    default void startWatching(Subnet localSubnet, LeaseEvents events) {
        startWatching(localSubnet == null ? null : new SubnetKey(localSubnet, null), events);
    }

    /**
     * Publishes what only weft hosts read beside our lease (the lease itself stays as flanneld writes it): a sibling
     * etcd key on the same etcd lease, or a node annotation under weft's own prefix. Call before {@link #acquire} or
     * {@link #startKeeping}; a registry that cannot carry it ignores it.
     */
    default void advertise(io.weft.fdb.path.WeftAdvert advert) {
    }

    /** Our lease as currently held, or null before {@link #startKeeping}. */
    AcquiredLease currentLease();

    /** Where the leases live, for log lines: the etcd endpoints, or the API server's URL. */
    String describe();

    /** When our lease expires unless renewed, or null (Kubernetes leases do not expire); for metrics. */
    default java.time.Instant leaseExpiry() {
        return null;
    }

    /** The etcd revision the lease set is current to, or 0 where there is none; for metrics. */
    default long watchRevision() {
        return 0;
    }

    @Override
    void close();
}
