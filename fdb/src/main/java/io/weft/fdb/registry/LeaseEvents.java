package io.weft.fdb.registry;

import io.weft.fdb.Lease;
import io.weft.fdb.path.WeftAdvert;

/**
 * What the subnet watch reports about other nodes' vxlan leases (our own subnet and non-vxlan leases are never
 * reported). Calls come from one thread, in etcd revision order.
 */
public interface LeaseEvents {
    /** A lease appeared (in the first snapshot, by a PUT, or in a re-list after compaction). */
    void added(Lease lease);

    /** A lease went away (deleted, expired, or gone in a re-list); carries the last known attributes. */
    void removed(Lease lease);

    /**
     * A lease under the same key now has another VtepMAC, PublicIP or backend data. The default reports it as a
     * removal and an addition, so a listener that programs entries per lease undoes the old ones (flanneld's kernel
     * path leaves the old MAC's FDB entry behind).
     */
    default void changed(Lease before, Lease after) {
        removed(before);
        added(after);
    }

    /**
     * The weft record beside the lease with key {@code leaseKey} ({@link Lease#key()}) appeared, changed, or went away
     * ({@code advert} null). It may come before or after its lease; a lease without one is a plain flannel peer.
     */
    default void advertised(String leaseKey, WeftAdvert advert) {
    }

    /** Called after each group of events (a snapshot, a re-list, one watch response), e.g. to publish once. */
    default void batchDone() {
    }
}
