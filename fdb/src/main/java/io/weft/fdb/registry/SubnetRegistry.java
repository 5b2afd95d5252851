package io.weft.fdb.registry;

import io.weft.fdb.ConfigException;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;

/**
 * Where this node's subnet and everyone else's come from: flannel's etcd subnet manager ({@link LeaseRegistry}) or
 * its Kubernetes one ({@code io.weft.fdb.kube.KubeSubnetRegistry}). The agent drives either the same way:
 * {@link #awaitConfig}, {@link #acquire}, {@link #startKeeping} once the data plane is up, {@link #startWatching}.
 */
public interface SubnetRegistry extends AutoCloseable {
    /** Waits for the network config; the message of a {@link ConfigException} says which source was at fault. */
    NetworkConfig awaitConfig() throws ConfigException, InterruptedException;

    /** Takes (etcd) or reads and annotates (Kubernetes) our subnet; waits while the source cannot be reached. */
    AcquiredLease acquire(AcquireRequest request) throws SubnetsExhaustedException, InterruptedException;

    /** Keeps our lease current from now on, reporting what happens to it to {@code listener}. */
    void startKeeping(AcquiredLease lease, LeaseListener listener);

    /** Reports every other node's vxlan lease to {@code events}: first those there now as added, then changes. */
    void startWatching(Subnet localSubnet, LeaseEvents events);

    /** Our lease as currently held, or null before {@link #startKeeping}. */
    AcquiredLease currentLease();

    /** Where the leases live, for log lines: the etcd endpoints, or the API server's URL. */
    String describe();

    @Override
    void close();
}
