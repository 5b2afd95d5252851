package io.weft.fdb.registry;

/** What happens to our own lease while weft runs. Calls come from the registry's lease thread. */
public interface LeaseListener {
    /** The lease was renewed: same key and value, a new etcd lease and expiry. */
    default void renewed(AcquiredLease lease) {
    }

    /** Our key had been deleted or had expired, and the same subnet was taken again. */
    default void reacquired(AcquiredLease lease) {
    }

    /**
     * Our key was lost and another node holds our subnet now, so a different subnet was acquired: subnet.env, the
     * local routes and the table's local subnet must follow.
     */
    default void subnetChanged(AcquiredLease before, AcquiredLease after) {
    }
}
