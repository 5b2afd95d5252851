package io.weft.fdb.registry;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.watch.WatchEvent;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.path.WeftAdvert;
import io.weft.fdb.path.WeftAdvertJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps our lease alive: renews it at expiry - margin (grant a new etcd lease, re-put our value on it, revoke the
 * old one; flanneld never revokes and leaks one grant per day), retries every minute when etcd is away, and watches
 * our own key. When the key is deleted or expires, flanneld exits; weft takes the same subnet again if it is still
 * free, otherwise a new one, and tells the {@link LeaseListener}. Everything runs on one executor thread.
 *
 * <p>The weft record ({@link #advertise}) rides on the same etcd lease as our key, so it expires with it: it is
 * written on every new grant right after our key and before the old grant is revoked, so peers never see it vanish
 * while the lease lives.
 */
final class LeaseKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final LeaseStore store;
    private final LeaseAcquirer acquirer;
    private final NetworkConfig config;
    private final AcquireRequest request;
    private final LeaseListener listener;
    private final ScheduledExecutorService executor;
    private final RegistrySettings settings;

    private volatile AcquiredLease current;
    private volatile boolean closed;
    private ScheduledFuture<?> pending;
    private ResumableWatch ownKeyWatch;
    private volatile WeftAdvert advert;
    private volatile boolean started;

    LeaseKeeper(LeaseStore store, LeaseAcquirer acquirer, NetworkConfig config, AcquireRequest request,
                AcquiredLease initial, LeaseListener listener, ScheduledExecutorService executor, RegistrySettings settings) {
        this.store = store;
        this.acquirer = acquirer;
        this.config = config;
        this.request = request;
        this.current = initial;
        this.listener = listener;
        this.executor = executor;
        this.settings = settings;
    }

    void start() {
        started = true;
        run(() -> {
            writeAdvertQuietly(current);
            watchOwnKey(current);
            scheduleRenewal();
        });
    }

    /** From now on keeps {@code a} at {@code <prefix>/weft/<our subnet key>} on our etcd lease. */
    void advertise(WeftAdvert a) {
        advert = a;
        if (started) {
            run(() -> writeAdvertQuietly(current));
        }
    }

    private void writeAdvert(AcquiredLease on) throws EtcdUnavailableException, InterruptedException {
        WeftAdvert a = advert;
        if (a != null) {
            store.put(store.keys().weftKeyOf(on.lease().key()), WeftAdvertJson.encode(a), on.etcdLeaseId());
        }
    }

    /** At start and after a re-acquisition: a failure is retried at the next renewal (the lease still works). */
    private void writeAdvertQuietly(AcquiredLease on) {
        try {
            writeAdvert(on);
        } catch (EtcdUnavailableException e) {
            LOG.warn("could not write the weft record beside {}; weft peers reach this host as a flannel peer until the"
                    + " next renewal: {}", on.key(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    AcquiredLease current() {
        return current;
    }

    Instant expiry() {
        return current.lease().expiry();
    }

    @Override
    public void close() {
        closed = true;
        run(() -> {
            if (pending != null) {
                pending.cancel(false);
            }
            if (ownKeyWatch != null) {
                ownKeyWatch.close();
            }
        });
    }

    private void scheduleRenewal() {
        Instant due = current.lease().expiry().minus(settings.renewMargin());
        long delay = Math.max(0, Duration.between(Instant.now(), due).toMillis());
        schedule(this::renew, delay);
    }

    private void renew() {
        AcquiredLease held = current;
        try {
            LeaseStore.Grant grant = store.grant(settings.leaseTtl());
            long revision = store.replaceIfUnchanged(held.key(), held.value(), held.value(), grant.id());
            if (revision < 0) {
                store.revoke(grant.id());
                lost(held, "renewal found " + held.key() + " gone or holding another node's value");
                return;
            }
            writeAdvert(new AcquiredLease(held.key(), held.lease(), held.value(), grant.id(), revision));
            revokeQuietly(held.etcdLeaseId());
            current = new AcquiredLease(held.key(), held.lease().withExpiry(grant.expiry()), held.value(), grant.id(), revision);
            LOG.info("renewed subnet lease {} until {} (etcd lease {})", held.key(), grant.expiry(), Long.toHexString(grant.id()));
            listener.renewed(current);
            scheduleRenewal();
        } catch (EtcdUnavailableException e) {
            // If the grant succeeded but the put did not, that grant simply expires unused after one TTL.
            LOG.warn("could not renew subnet lease {} (expires {}); retrying in {} s: {}", held.key(),
                    held.lease().expiry(), settings.renewRetry().toSeconds(), e.getMessage());
            schedule(this::renew, settings.renewRetry().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Our key is gone or foreign: take the same subnet if it is free, else a new one. Never gives up. */
    private void lost(AcquiredLease held, String why) {
        if (closed || held != current) {
            return;
        }
        if (pending != null) {
            pending.cancel(false);
        }
        LOG.warn("OUR SUBNET LEASE {} WAS LOST ({}); flanneld would exit here, weft re-acquires it", held.key(), why);
        try {
            SubnetKey subnets = new SubnetKey(held.lease().subnet(), held.lease().ipv6Subnet());
            Optional<AcquiredLease> same = acquirer.recreate(subnets, held.lease().withExpiry(null));
            if (same.isPresent()) {
                current = same.get();
                LOG.warn("re-acquired the same subnet lease {} (expires {})", current.key(), current.lease().expiry());
                writeAdvertQuietly(current);
                watchOwnKey(current);
                scheduleRenewal();
                listener.reacquired(current);
                return;
            }
            AcquiredLease fresh = acquirer.acquire(config, request.withoutPrevious());
            current = fresh;
            LOG.warn("subnet {} now belongs to another node; acquired {} instead. Pods on this host must be "
                    + "restarted to get addresses in the new subnet", held.key(), fresh.key());
            deleteOldAdvertQuietly(held);
            writeAdvertQuietly(fresh);
            watchOwnKey(fresh);
            scheduleRenewal();
            listener.subnetChanged(held, fresh);
        } catch (EtcdUnavailableException | SubnetsExhaustedException e) {
            LOG.warn("could not re-acquire a subnet lease; retrying in {} s: {}", settings.renewRetry().toSeconds(), e.getMessage());
            schedule(() -> lost(held, why), settings.renewRetry().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void watchOwnKey(AcquiredLease held) {
        if (ownKeyWatch != null) {
            ownKeyWatch.close();
        }
        ownKeyWatch = new ResumableWatch(store.calls().client().getWatchClient(), held.key(), false, executor,
                new OwnKeyHandler(held), settings.watchBackoffMin(), settings.watchBackoffMax(),
                new LogLimiter(settings.reportEvery()), store.calls().endpoints(), store.calls().reconnect());
        ownKeyWatch.startFrom(held.revision() + 1);
    }

    /** Reacts to our key's events: a DELETE or someone else's value means we lost it. */
    private final class OwnKeyHandler implements ResumableWatch.Handler {
        private final AcquiredLease held;

        OwnKeyHandler(AcquiredLease held) {
            this.held = held;
        }

        @Override
        public long resync() throws EtcdUnavailableException, InterruptedException {
            LeaseStore.Value v = store.get(held.key());
            Optional<KeyValue> kv = v.kv();
            if (kv.isEmpty() || !LeaseStore.text(kv.get().getValue()).equals(current.value())) {
                run(() -> lost(held, kv.isEmpty() ? "the key no longer exists" : "another value was written to it"));
            }
            return v.revision();
        }

        @Override
        public void events(List<WatchEvent> events) {
            for (WatchEvent e : events) {
                if (e.getEventType() == WatchEvent.EventType.DELETE) {
                    lost(held, "deleted, or its etcd lease expired");
                    return;
                }
                if (e.getEventType() == WatchEvent.EventType.PUT
                        && !LeaseStore.text(e.getKeyValue().getValue()).equals(current.value())) {
                    lost(held, "another writer replaced its value with " + LeaseStore.text(e.getKeyValue().getValue()));
                    return;
                }
            }
        }
    }

    /** The record beside a subnet we no longer hold would otherwise live on until its grant runs out. */
    private void deleteOldAdvertQuietly(AcquiredLease old) throws InterruptedException {
        if (advert == null) {
            return;
        }
        try {
            store.delete(store.keys().weftKeyOf(old.lease().key()));
        } catch (EtcdUnavailableException e) {
            LOG.warn("could not delete the weft record beside the lost lease {} (it expires with its etcd lease): {}",
                    old.key(), e.getMessage());
        }
    }

    private void revokeQuietly(long id) throws InterruptedException {
        try {
            store.revoke(id);
        } catch (EtcdUnavailableException e) {
            LOG.warn("could not revoke the replaced etcd lease {} (it will expire by itself): {}", Long.toHexString(id), e.getMessage());
        }
    }

    private void schedule(Runnable task, long delayMillis) {
        if (closed) {
            return;
        }
        try {
            pending = executor.schedule(() -> {
                if (!closed) {
                    task.run();
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException ignored) {
            // shutting down
        }
    }

    private void run(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException ignored) {
            // shutting down
        }
    }
}
