package io.weft.fdb;

/**
 * The one place a new {@link ForwardingTable} snapshot is handed from the control plane to the workers:
 * a single volatile write; workers read {@link #current()} once per packet (or batch) with no lock.
 */
public final class PublishedTable {
    private volatile ForwardingTable current = ForwardingTable.EMPTY;

    public ForwardingTable current() {
        return current;
    }

    public void publish(ForwardingTable table) {
        if (table == null) {
            throw new IllegalArgumentException("table");
        }
        current = table;
    }
}
