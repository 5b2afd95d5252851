package io.weft.fdb.registry;

import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the set of other nodes' leases and publishes a fresh {@link ForwardingTable} after every batch of changes.
 * Because each table is built from the whole set, a lease whose VtepMAC or PublicIP changed simply replaces the old
 * one: no stale FDB entry can survive (flanneld's kernel path adds the new MAC's FDB entry and never deletes the old).
 */
public final class LeaseTableFeeder implements LeaseEvents {
    private final PublishedTable table;
    private final int port;
    private final Map<String, Lease> leases = new LinkedHashMap<>();
    private final Subnet localSubnet;
    private final Subnet localIpv6Subnet;
    private boolean dirty;
    private boolean publishedOnce;

    /**
     * @param table      where the workers read the table
     * @param local      our own lease's subnets (left out of the table), or null
     * @param port       the UDP port peers listen on ({@code BackendConfig.effectivePort()})
     */
    public LeaseTableFeeder(PublishedTable table, SubnetKey local, int port) {
        this.table = table;
        this.port = port;
        this.localSubnet = local == null ? null : local.v4();
        this.localIpv6Subnet = local == null ? null : local.v6();
    }

    @Override
    public synchronized void added(Lease lease) {
        leases.put(lease.key(), lease);
        dirty = true;
    }

    @Override
    public synchronized void removed(Lease lease) {
        dirty |= leases.remove(lease.key()) != null;
    }

    @Override
    public synchronized void changed(Lease before, Lease after) {
        leases.remove(before.key());
        leases.put(after.key(), after);
        dirty = true;
    }

    @Override
    public synchronized void batchDone() {
        // The first batch always publishes, so the table carries the configured port even with no peers yet.
        if (dirty || !publishedOnce) {
            publish();
        }
    }

    /** The leases the current table was built from. */
    public synchronized List<Lease> leases() {
        return new ArrayList<>(leases.values());
    }

    private void publish() {
        table.publish(ForwardingTable.build(localSubnet, localIpv6Subnet, leases.values(), port));
        dirty = false;
        publishedOnce = true;
    }
}
