package io.weft.fdb.registry;

import io.weft.fdb.Lease;
import io.weft.fdb.path.WeftAdvert;

/**
 * {@link LeaseEvents} that passes every event on to {@code next}; a listener that adds work to some events (writing the
 * table to the run dir, installing direct routes) extends it and overrides only those. Every method of the interface
 * is forwarded here, defaults included, so that an event added to the interface later cannot be dropped by a wrapper
 * that did not know of it ({@code ForwardingLeaseEventsTest} checks that).
 */
public abstract class ForwardingLeaseEvents implements LeaseEvents {
    protected final LeaseEvents next;

    protected ForwardingLeaseEvents(LeaseEvents next) {
        this.next = next;
    }

    @Override
    public void added(Lease lease) {
        next.added(lease);
    }

    @Override
    public void removed(Lease lease) {
        next.removed(lease);
    }

    @Override
    public void changed(Lease before, Lease after) {
        next.changed(before, after);
    }

    @Override
    public void advertised(String leaseKey, WeftAdvert advert) {
        next.advertised(leaseKey, advert);
    }

    @Override
    public void batchDone() {
        next.batchDone();
    }
}
