package io.weft.fdb.registry;

import io.etcd.jetcd.watch.WatchEvent;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Follows {@code <prefix>/subnets}: a snapshot at revision R is reported as added, then a watch from R+1 reports
 * PUTs and DELETEs; after compaction the prefix is listed again and the difference reported. Keeps the last known
 * lease per key so that a DELETE (which carries only the key) can report what was removed, and so that a PUT with
 * unchanged attributes (flanneld's renewal) reports nothing.
 */
final class SubnetWatcher implements ResumableWatch.Handler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SubnetWatcher.class);

    private final LeaseStore store;
    private final LeaseEvents listener;
    private final LogLimiter badValueLog;
    private final ResumableWatch watch;
    /** Every parsed lease by key, including our own and non-vxlan ones; touched only on the watch thread. */
    private final Map<String, Lease> known = new HashMap<>();
    /** Our own lease's subnets, never reported; null reports every lease. */
    private volatile SubnetKey local;

    SubnetWatcher(LeaseStore store, SubnetKey local, LeaseEvents listener, ScheduledExecutorService executor,
                  RegistrySettings settings, LogLimiter badValueLog) {
        this.store = store;
        this.local = local;
        this.listener = listener;
        this.badValueLog = badValueLog;
        this.watch = new ResumableWatch(store.calls().client().getWatchClient(), store.keys().subnetsPrefix(), true,
                executor, this, settings.watchBackoffMin(), settings.watchBackoffMax(), new LogLimiter(settings.reportEvery()),
                store.calls().endpoints(), store.calls().reconnect());
    }

    void start() {
        watch.start();
    }

    long revision() {
        return watch.revision();
    }

    /** Our subnets changed (re-acquired elsewhere): leases of the new ones are no longer reported from now on. */
    void setLocal(SubnetKey subnets) {
        local = subnets;
    }

    @Override
    public long resync() throws EtcdUnavailableException, InterruptedException {
        LeaseStore.Listing listing = store.list();
        for (MalformedLeaseException e : listing.malformed()) {
            warnBad(e);
        }
        Set<String> present = new HashSet<>();
        Map<Long, java.time.Instant> expiryById = store.expiriesOf(listing.leases().stream().map(StoredLease::etcdLeaseId).toList());
        for (StoredLease s : listing.leases()) {
            present.add(s.key());
            apply(s.key(), s.lease().withExpiry(expiryById.get(s.etcdLeaseId())));
        }
        for (String key : Set.copyOf(known.keySet())) {
            if (!present.contains(key)) {
                remove(key);
            }
        }
        listener.batchDone();
        LOG.info("listed {} leases under {} at revision {}", listing.leases().size(), store.keys().subnetsPrefix(),
                listing.revision());
        return listing.revision();
    }

    @Override
    public void events(List<WatchEvent> events) throws InterruptedException {
        // The expiries of a burst's leases are asked all at once: one round trip per PUT would make a burst of
        // 10,000 renewals or new leases wait on 10,000 sequential calls.
        List<ParsedPut> puts = new ArrayList<>();
        for (WatchEvent e : events) {
            if (e.getEventType() == WatchEvent.EventType.PUT) {
                puts.add(ParsedPut.of(e));
            }
        }
        Map<Long, java.time.Instant> expiryById = store.expiriesOf(puts.stream().map(ParsedPut::lease)
                .filter(Objects::nonNull).map(StoredLease::etcdLeaseId).toList());
        Iterator<ParsedPut> parsed = puts.iterator();
        for (WatchEvent e : events) {
            String key = LeaseStore.text(e.getKeyValue().getKey());
            switch (e.getEventType()) {
                case PUT -> {
                    // In event order, so that a key broken, fixed and broken again within one burst is warned twice.
                    ParsedPut p = parsed.next();
                    if (p.lease() != null) {
                        apply(key, p.lease().lease().withExpiry(expiryById.get(p.lease().etcdLeaseId())));
                    } else {
                        warnBad(p.bad());
                    }
                }
                case DELETE -> remove(key);
                default -> {
                    // UNRECOGNIZED: nothing to apply
                }
            }
        }
        listener.batchDone();
    }

    @Override
    public void close() {
        watch.close();
    }

    private void apply(String key, Lease now) {
        // Valid again: if it breaks once more, that is news, and is logged at once.
        badValueLog.reset(key);
        Lease before = known.put(key, now);
        boolean wasReported = before != null && reported(before);
        boolean isReported = reported(now);
        if (wasReported && isReported) {
            if (!before.sameAttributes(now)) {
                LOG.info("lease {} changed: {} -> {}", key, describe(before), describe(now));
                listener.changed(before, now);
            }
        } else if (isReported) {
            listener.added(now);
        } else if (wasReported) {
            listener.removed(before);
        }
    }

    private void remove(String key) {
        Lease before = known.remove(key);
        if (before != null && reported(before)) {
            listener.removed(before);
        }
    }

    private boolean reported(Lease l) {
        // By subnet, not key: a lease of an IPv6-only network has the IPv4 placeholder 0.0.0.0/0 that every lease
        // shares, and a leftover single-stack key of our IPv4 subnet is ours all the same.
        SubnetKey ours = local;
        return l.isVxlan() && (ours == null || !ours.sharesSubnetWith(l));
    }

    private void warnBad(MalformedLeaseException e) {
        if (badValueLog.allow(e.key())) {
            LOG.warn("{}; skipping it (flanneld would skip it too). Fix or delete the key with etcdctl", e.getMessage());
        }
    }

    /** A PUT's value, parsed, or why it does not parse. */
    private record ParsedPut(StoredLease lease, MalformedLeaseException bad) {
        static ParsedPut of(WatchEvent e) {
            try {
                return new ParsedPut(LeaseStore.parse(e.getKeyValue()), null);
            } catch (MalformedLeaseException bad) {
                return new ParsedPut(null, bad);
            }
        }
    }

    private static String describe(Lease l) {
        return (l.backendData() == null ? "-" : l.backendData().vtepMac()) + "@" + Subnet.formatAddress(l.publicIp());
    }
}
