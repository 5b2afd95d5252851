package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.weft.fdb.path.WeftAdvert;
import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.AcquiredLease;
import io.weft.fdb.registry.LeaseListener;
import io.weft.fdb.registry.LogLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Keeps our node's annotations as flanneld writes them while weft runs. flanneld writes them once at start; here any
 * change to our node is checked again, so a {@code kubectl annotate node … public-ip-overwrite=…} on a running node
 * is re-advertised as {@code public-ip} within seconds (and logged), and annotations someone removed come back.
 * A failed patch is retried with backoff on this keeper's own thread.
 */
final class OwnNodeKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OwnNodeKeeper.class);

    private final KubeApi api;
    private final String nodeName;
    private final OwnAnnotations own;
    private final Inet4Address detected;
    private final BackendData data;
    private final KubeSettings settings;
    private final LogLimiter trouble;
    private final ScheduledThreadPoolExecutor thread;
    private volatile AcquiredLease current;
    private volatile LeaseListener listener;
    private volatile Node latest;
    private ScheduledFuture<?> retry;
    private int failures;
    private String lastInvalidOverwrite;
    private final WeftAdvert advert;

    OwnNodeKeeper(KubeApi api, String nodeName, OwnAnnotations own, Inet4Address detected, BackendData data,
                  KubeSettings settings) {
        this(api, nodeName, own, detected, data, null, settings);
    }

    /** @param advert weft's own annotation to keep on our node as well, or null */
    OwnNodeKeeper(KubeApi api, String nodeName, OwnAnnotations own, Inet4Address detected, BackendData data,
                  WeftAdvert advert, KubeSettings settings) {
        this.advert = advert;
        this.api = api;
        this.nodeName = nodeName;
        this.own = own;
        this.detected = detected;
        this.data = data;
        this.settings = settings;
        this.trouble = new LogLimiter(settings.reportEvery());
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "weft-kube-lease");
            t.setDaemon(true);
            return t;
        });
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * Writes our annotations if the node lacks any of them; retries until the API server takes the patch.
     *
     * @return the lease as advertised
     */
    AcquiredLease annotate(Node node, Subnet subnet) throws InterruptedException {
        int attempt = 0;
        Node n = node;
        while (true) {
            warnInvalidOverwrite(n);
            Map<String, String> missing = own.missing(n, detected, data, advert);
            try {
                if (!missing.isEmpty()) {
                    n = api.annotate(nodeName, missing);
                    LOG.info("annotated node {}: {}", nodeName, missing);
                }
                current = lease(n, subnet);
                trouble.reset("annotate");
                return current;
            } catch (KubeApiException e) {
                if (trouble.allow("annotate")) {
                    LOG.warn("{}; retrying", e.getMessage());
                }
                Thread.sleep(settings.backoff(attempt++).toMillis());
            }
        }
    }

    /** From now on follows our node's changes and reports a changed lease to {@code l} as renewed. */
    void start(AcquiredLease lease, LeaseListener l, boolean setNetworkAvailable) {
        current = lease;
        listener = l;
        if (setNetworkAvailable) {
            thread.execute(this::setNetworkAvailable);
        }
    }

    /** Our node as the informer saw it change; checked on the keeper's thread. */
    void nodeChanged(Node node) {
        latest = node;
        if (listener != null) {
            thread.execute(this::reconcile);
        }
    }

    AcquiredLease current() {
        return current;
    }

    private void reconcile() {
        Node n = latest;
        AcquiredLease before = current;
        if (n == null || before == null) {
            return;
        }
        warnInvalidOverwrite(n);
        Map<String, String> missing = own.missing(n, detected, data, advert);
        if (missing.isEmpty()) {
            failures = 0;
            return;
        }
        try {
            Node patched = api.annotate(nodeName, missing);
            failures = 0;
            trouble.reset("reannotate");
            AcquiredLease after = lease(patched, before.lease().subnet());
            current = after;
            if (!after.lease().publicIp().equals(before.lease().publicIp())) {
                Inet4Address overwrite = own.overwrite(patched);
                LOG.info("node {}: {} now advertising public-ip {} (was {})", nodeName,
                        overwrite != null ? own.names().publicIpOverwrite() + " is " + overwrite.getHostAddress() + ":"
                                : own.names().publicIpOverwrite() + " was removed:",
                        after.lease().publicIp().getHostAddress(), before.lease().publicIp().getHostAddress());
                listener.renewed(after);
            } else {
                LOG.info("node {}: restored annotations {}", nodeName, missing.keySet());
            }
        } catch (KubeApiException e) {
            if (trouble.allow("reannotate")) {
                LOG.warn("{}; retrying with backoff", e.getMessage());
            }
            scheduleRetry();
        }
    }

    private void scheduleRetry() {
        if (retry != null && !retry.isDone()) {
            return;
        }
        retry = thread.schedule(this::reconcile, settings.backoff(failures++).toMillis(), TimeUnit.MILLISECONDS);
    }

    private void setNetworkAvailable() {
        try {
            api.networkAvailable(nodeName);
            LOG.info("node {}: NetworkUnavailable=False (reason {})", nodeName, KubeApi.REASON);
        } catch (KubeApiException e) {
            if (trouble.allow("condition")) {
                LOG.warn("{}; retrying with backoff", e.getMessage());
            }
            thread.schedule(this::setNetworkAvailable, settings.backoff(failures++).toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void warnInvalidOverwrite(Node n) {
        String bad = own.invalidOverwrite(n);
        if (bad != null && !bad.equals(lastInvalidOverwrite)) {
            LOG.warn("node {}: annotation {} '{}' is not an IPv4 address; advertising {} instead. Set it to this node's"
                    + " public IPv4 address", nodeName, own.names().publicIpOverwrite(), bad, detected.getHostAddress());
        }
        lastInvalidOverwrite = bad;
    }

    private AcquiredLease lease(Node n, Subnet subnet) {
        Inet4Address advertised = own.advertised(n, detected);
        Lease lease = new Lease(subnet, advertised, null, null, Lease.VXLAN, data, null, null);
        String rv = n.getMetadata() == null ? null : n.getMetadata().getResourceVersion();
        long revision = rv != null && rv.chars().allMatch(Character::isDigit) && !rv.isEmpty() && rv.length() < 19
                ? Long.parseLong(rv) : 0;
        return new AcquiredLease("nodes/" + nodeName, lease, OwnAnnotations.backendDataValue(data), 0, revision);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
