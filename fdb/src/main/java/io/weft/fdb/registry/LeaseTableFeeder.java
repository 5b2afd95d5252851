package io.weft.fdb.registry;

import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.LeaseIssue;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.fdb.TableScope;
import io.weft.fdb.path.PeerPaths;
import io.weft.fdb.path.WeftAdvert;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the set of other nodes' leases and publishes a fresh {@link ForwardingTable} after every batch of changes.
 * Because each table is built from the whole set, a lease whose VtepMAC or PublicIP changed simply replaces the old
 * one: no stale FDB entry can survive (flanneld's kernel path adds the new MAC's FDB entry and never deletes the old).
 *
 * <p>Each {@link LeaseIssue} of a new table (a refused lease, an overlap) is logged once while it lasts; one that goes
 * away and comes back is logged again.
 */
public final class LeaseTableFeeder implements LeaseEvents {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseTableFeeder.class);

    private final PublishedTable table;
    private final int port;
    private final Subnet network;
    private final Subnet ipv6Network;
    /** The topics of the issues of the last table, logged when they first appeared. */
    private Set<String> reportedIssues = Set.of();
    private final Map<String, Lease> leases = new LinkedHashMap<>();
    private final Map<String, WeftAdvert> adverts = new java.util.HashMap<>();
    private final PeerPaths paths = new PeerPaths();
    private final Subnet localSubnet;
    private final Subnet localIpv6Subnet;
    private boolean dirty;
    private boolean publishedOnce;

    /**
     * A feeder that refuses leases outside the config's networks and leases overlapping our own subnets.
     *
     * @param table  where the workers read the table
     * @param config the network config: its Network and IPv6Network, and the UDP port peers listen on
     * @param local  our own lease's subnets (left out of the table), or null
     */
    public LeaseTableFeeder(PublishedTable table, NetworkConfig config, SubnetKey local) {
        this(table, config.network(), config.ipv6Network(), local, config.backend().effectivePort());
    }

    /**
     * A feeder with no network check (leases anywhere are routed to, except over our own subnets).
     *
     * @param table      where the workers read the table
     * @param local      our own lease's subnets (left out of the table), or null
     * @param port       the UDP port peers listen on ({@code BackendConfig.effectivePort()})
     */
    public LeaseTableFeeder(PublishedTable table, SubnetKey local, int port) {
        this(table, null, null, local, port);
    }

    private LeaseTableFeeder(PublishedTable table, Subnet network, Subnet ipv6Network, SubnetKey local, int port) {
        this.table = table;
        this.port = port;
        this.network = network;
        this.ipv6Network = ipv6Network;
        // an IPv6-only lease's 0.0.0.0/0 is no subnet of ours: every lease's IPv4 part would overlap it
        this.localSubnet = local == null || !local.hasIpv4() ? null : local.v4();
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
    public synchronized void advertised(String leaseKey, WeftAdvert advert) {
        WeftAdvert before = advert == null ? adverts.remove(leaseKey) : adverts.put(leaseKey, advert);
        dirty |= !java.util.Objects.equals(before, advert) && leases.containsKey(leaseKey);
    }

    /** Every peer's path, kept across snapshots; the prober changes which candidate each one uses. */
    public PeerPaths paths() {
        return paths;
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
        ForwardingTable next = ForwardingTable.of(new TableScope(network, ipv6Network, localSubnet, localIpv6Subnet),
                leases.values(), adverts, paths, port);
        table.publish(next);
        dirty = false;
        publishedOnce = true;
        reportNewIssues(next.issues());
    }

    private void reportNewIssues(List<LeaseIssue> issues) {
        Set<String> now = new HashSet<>();
        for (LeaseIssue i : issues) {
            if (now.add(i.topic()) && !reportedIssues.contains(i.topic())) {
                LOG.warn("{}", i.message());
            }
        }
        reportedIssues = now;
    }
}
