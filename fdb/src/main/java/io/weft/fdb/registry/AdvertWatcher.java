package io.weft.fdb.registry;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.watch.WatchEvent;
import io.weft.fdb.path.WeftAdvert;
import io.weft.fdb.path.WeftAdvertJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Follows the weft records {@code <prefix>/weft/<subnet key>} as {@link SubnetWatcher} follows the leases (snapshot,
 * watch from the revision after, re-list after compaction) and reports each to {@link LeaseEvents#advertised}. It runs
 * on the same thread as the lease watch, so the listener sees both in one order. A record that does not parse is
 * logged (rate-limited) and its peer treated as a plain flannel peer.
 */
final class AdvertWatcher implements ResumableWatch.Handler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdvertWatcher.class);

    private final LeaseStore store;
    private final LeaseEvents listener;
    private final LogLimiter badValueLog;
    private final ResumableWatch watch;
    /** The last good record by lease key; touched only on the watch thread. */
    private final Map<String, WeftAdvert> known = new HashMap<>();

    AdvertWatcher(LeaseStore store, LeaseEvents listener, ScheduledExecutorService executor, RegistrySettings settings) {
        this.store = store;
        this.listener = listener;
        this.badValueLog = new LogLimiter(settings.reportEvery());
        this.watch = new ResumableWatch(store.calls().client().getWatchClient(), store.keys().weftPrefix(), true,
                executor, this, settings.watchBackoffMin(), settings.watchBackoffMax(), new LogLimiter(settings.reportEvery()),
                store.calls().endpoints(), store.calls().reconnect());
    }

    void start() {
        watch.start();
    }

    @Override
    public long resync() throws EtcdUnavailableException, InterruptedException {
        LeaseStore.Value.Many all = store.listUnder(store.keys().weftPrefix());
        Set<String> present = new HashSet<>();
        for (KeyValue kv : all.kvs()) {
            String leaseKey = leaseKey(LeaseStore.text(kv.getKey()));
            present.add(leaseKey);
            apply(leaseKey, decode(kv));
        }
        for (String key : Set.copyOf(known.keySet())) {
            if (!present.contains(key)) {
                apply(key, null);
            }
        }
        listener.batchDone();
        return all.revision();
    }

    @Override
    public void events(List<WatchEvent> events) {
        for (WatchEvent e : events) {
            String leaseKey = leaseKey(LeaseStore.text(e.getKeyValue().getKey()));
            switch (e.getEventType()) {
                case PUT -> apply(leaseKey, decode(e.getKeyValue()));
                case DELETE -> apply(leaseKey, null);
                default -> {
                    // UNRECOGNIZED: nothing to apply
                }
            }
        }
        listener.batchDone();
    }

    private void apply(String leaseKey, WeftAdvert now) {
        WeftAdvert before = now == null ? known.remove(leaseKey) : known.put(leaseKey, now);
        if (!Objects.equals(before, now)) {
            listener.advertised(leaseKey, now);
        }
    }

    private WeftAdvert decode(KeyValue kv) {
        String key = LeaseStore.text(kv.getKey());
        try {
            WeftAdvert a = WeftAdvertJson.decode(key, LeaseStore.text(kv.getValue()));
            badValueLog.reset(key);
            return a;
        } catch (IllegalArgumentException bad) {
            if (badValueLog.allow(key)) {
                LOG.warn("{}", bad.getMessage());
            }
            return null;
        }
    }

    private String leaseKey(String fullKey) {
        return fullKey.substring(store.keys().weftPrefix().length());
    }

    @Override
    public void close() {
        watch.close();
    }
}
