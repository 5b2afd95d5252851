package io.weft.fdb.registry;

import io.etcd.jetcd.Client;
import io.weft.fdb.ConfigException;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import io.weft.fdb.path.WeftAdvert;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * flannel's etcd subnet manager for one host, as the agent drives it:
 * <pre>
 * try (LeaseRegistry registry = LeaseRegistry.connect(etcdOptions, RegistrySettings.defaults())) {
 *     NetworkConfig config = registry.awaitValidConfig();
 *     HeldLease mine = registry.acquire(config, new AcquireRequest(publicIp, null, backendData, null, previous, null));
 *     registry.startWatching(mine.lease().subnet(), feederOrOtherLeaseEvents);
 *     registry.startKeeping(mine, leaseListener);
 * }
 * </pre>
 * Each stage takes the result of the one before (the config, then the held lease), so they cannot be called out
 * of order; watching needs only our subnet and may start before or after keeping.
 * Background work runs on two threads of its own: one keeps our lease (renewal, own-key watch), one follows the
 * other leases. {@link #close()} stops both and closes the etcd client; it does not delete our lease (like flanneld,
 * a restarted weft reuses it by PublicIP).
 */
public final class LeaseRegistry implements SubnetRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseRegistry.class);

    private final EtcdOptions options;
    private final RegistrySettings settings;
    private final Client client;
    private final LeaseStore store;
    private final LeaseAcquirer acquirer;
    private final ScheduledExecutorService leaseThread;
    private final ScheduledExecutorService watchThread;
    private final LogLimiter unreachable;
    private volatile LeaseKeeper keeper;
    private volatile SubnetWatcher watcher;
    private volatile AdvertWatcher advertWatcher;
    private volatile WeftAdvert advert;

    private LeaseRegistry(EtcdOptions options, RegistrySettings settings) {
        this.options = options;
        this.settings = settings;
        this.client = EtcdClients.create(options);
        this.store = new LeaseStore(new EtcdCalls(client, settings.requestTimeout(), options.endpointsText()),
                new LeaseKeys(options.prefix()));
        this.acquirer = new LeaseAcquirer(store, settings.leaseTtl(), settings.raceRetries(), new SecureRandom());
        this.leaseThread = singleThread("weft-lease");
        this.watchThread = singleThread("weft-lease-watch");
        this.unreachable = new LogLimiter(settings.reportEvery());
    }

    /**
     * Creates the etcd client; no request is made yet, so this succeeds while etcd is down.
     *
     * @throws IllegalArgumentException when the TLS files are missing or unusable
     */
    public static LeaseRegistry connect(EtcdOptions options, RegistrySettings settings) {
        return new LeaseRegistry(options, settings);
    }

    public EtcdOptions options() {
        return options;
    }

    public LeaseKeys keys() {
        return store.keys();
    }

    /**
     * Waits for {@code <prefix>/config}, retrying while it is missing or etcd is unreachable.
     *
     * @throws ConfigException when the config is there but invalid: for tools and tests that report it at once
     */
    public NetworkConfig awaitConfig() throws ConfigException, InterruptedException {
        return loader().await();
    }

    /**
     * Waits for a valid {@code <prefix>/config}, as flanneld waits (it retries every second): while it is missing or
     * invalid, or etcd is unreachable, it retries, saying what is wrong (the key and the field) every 30 s.
     */
    @Override
    public NetworkConfig awaitValidConfig() throws InterruptedException {
        return loader().awaitValid();
    }

    private ConfigLoader loader() {
        return new ConfigLoader(store, settings.configRetry(), settings.reportEvery());
    }

    /**
     * Takes our subnet lease under {@code config} as flanneld does; retries while etcd is unreachable.
     *
     * @throws SubnetsExhaustedException when every subnet in the range is held (the message names the range)
     */
    @Override
    public HeldLease acquire(NetworkConfig config, AcquireRequest request) throws SubnetsExhaustedException, InterruptedException {
        while (true) {
            try {
                return new HeldLease(acquirer.acquire(config, request), config, request);
            } catch (EtcdUnavailableException e) {
                if (unreachable.allow("acquire")) {
                    LOG.warn("cannot acquire a subnet lease, etcd at {} is unreachable; still trying: {}",
                            options.endpointsText(), e.getMessage());
                }
                Thread.sleep(settings.configRetry().toMillis());
            }
        }
    }

    /** Renews {@code held} before it expires and re-acquires it if it is lost, reporting to {@code listener}. */
    @Override
    public synchronized void startKeeping(HeldLease held, LeaseListener listener) {
        if (keeper != null) {
            keeper.close();
        }
        LeaseListener chained = new LeaseListener() {
            @Override
            public void renewed(AcquiredLease l) {
                listener.renewed(l);
            }

            @Override
            public void reacquired(AcquiredLease l) {
                listener.reacquired(l);
            }

            @Override
            public void subnetChanged(AcquiredLease before, AcquiredLease after) {
                SubnetWatcher w = watcher;
                if (w != null) {
                    w.setLocal(SubnetKey.of(after.lease()));
                }
                listener.subnetChanged(before, after);
            }
        };
        keeper = new LeaseKeeper(store, acquirer, held.config(), held.request(), held.acquired(), chained, leaseThread,
                settings);
        if (advert != null) {
            keeper.advertise(advert);
        }
        keeper.start();
    }

    /**
     * Follows every other node's lease: reports a snapshot as added, then changes, to {@code events}.
     *
     * @param local our own lease's subnets, never reported (null: report every lease)
     */
    @Override
    public synchronized void startWatching(SubnetKey local, LeaseEvents events) {
        if (watcher != null) {
            watcher.close();
        }
        watcher = new SubnetWatcher(store, local, events, watchThread, settings, new LogLimiter(settings.reportEvery()));
        watcher.start();
        if (advertWatcher != null) {
            advertWatcher.close();
        }
        // On the same thread as the lease watch, so events sees leases and records in one order.
        advertWatcher = new AdvertWatcher(store, events, watchThread, settings);
        advertWatcher.start();
    }

    /**
     * Keeps {@code a} at {@code <prefix>/weft/<our subnet key>}, on the same etcd lease as our flannel key (written
     * with it, renewed with it, gone with it); the flannel key is not changed by a byte. Before or after
     * {@link #startKeeping}.
     */
    @Override
    public synchronized void advertise(WeftAdvert a) {
        advert = a;
        if (keeper != null) {
            keeper.advertise(a);
        }
    }

    /** The etcd revision the lease set is current to (0 before the first snapshot); for metrics. */
    @Override
    public long watchRevision() {
        SubnetWatcher w = watcher;
        return w == null ? 0 : w.revision();
    }

    /** When our lease expires unless renewed, or null before {@link #startKeeping}; for metrics. */
    @Override
    public Instant leaseExpiry() {
        LeaseKeeper k = keeper;
        return k == null ? null : k.expiry();
    }

    /** Our lease as currently held (it changes on renewal and re-acquisition), or null before {@link #startKeeping}. */
    @Override
    public AcquiredLease currentLease() {
        LeaseKeeper k = keeper;
        return k == null ? null : k.current();
    }

    @Override
    public String describe() {
        return "etcd at " + options.endpointsText();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (keeper != null) {
                keeper.close();
            }
            if (watcher != null) {
                watcher.close();
            }
            if (advertWatcher != null) {
                advertWatcher.close();
            }
        }
        leaseThread.shutdown();
        watchThread.shutdown();
        try {
            if (!leaseThread.awaitTermination(5, TimeUnit.SECONDS)) {
                leaseThread.shutdownNow();
            }
            if (!watchThread.awaitTermination(5, TimeUnit.SECONDS)) {
                watchThread.shutdownNow();
            }
        } catch (InterruptedException e) {
            leaseThread.shutdownNow();
            watchThread.shutdownNow();
            Thread.currentThread().interrupt();
        }
        client.close();
    }

    private static ScheduledExecutorService singleThread(String name) {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        // close() must not wait for a renewal due in 23 hours.
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        e.setRemoveOnCancelPolicy(true);
        return e;
    }
}
