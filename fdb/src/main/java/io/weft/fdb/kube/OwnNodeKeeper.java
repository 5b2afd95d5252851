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
import java.net.Inet6Address;
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
    private final Inet6Address detected6;
    private final BackendData data6;
    private final KubeSettings settings;
    private final LogLimiter trouble;
    private final ScheduledThreadPoolExecutor thread;
    private volatile AcquiredLease current;
    private volatile LeaseListener listener;
    private volatile Node latest;
    private ScheduledFuture<?> retry;
    private int failures;
    private String lastInvalidOverwrite;
    private String lastInvalidOverwrite6;
    private final WeftAdvert advert;

    /**
     * @param data      our IPv4 backend data, or null on an IPv6-only network
     * @param detected6 our {@code PublicIPv6}, or null when IPv6 is not enabled
     * @param data6     our IPv6 backend data, or null when IPv6 is not enabled
     * @param advert    weft's own annotation to keep on our node as well, or null
     */
    OwnNodeKeeper(KubeApi api, String nodeName, OwnAnnotations own, Inet4Address detected, BackendData data,
                  Inet6Address detected6, BackendData data6, WeftAdvert advert, KubeSettings settings) {
        this.detected6 = detected6;
        this.data6 = data6;
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
     * @param subnet  our IPv4 podCIDR (flannel's empty IPv4 subnet on an IPv6-only network)
     * @param subnet6 our IPv6 podCIDR, or null when IPv6 is not enabled
     * @return the lease as advertised
     */
    AcquiredLease annotate(Node node, Subnet subnet, Subnet subnet6) throws InterruptedException {
        int attempt = 0;
        Node n = node;
        while (true) {
            warnInvalidOverwrite(n);
            Map<String, String> missing = own.missing(n, detected, data, detected6, data6, advert);
            try {
                if (!missing.isEmpty()) {
                    n = api.annotate(nodeName, missing);
                    LOG.info("annotated node {}: {}", nodeName, missing);
                }
                current = lease(n, subnet, subnet6);
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
        Map<String, String> missing = own.missing(n, detected, data, detected6, data6, advert);
        if (missing.isEmpty()) {
            failures = 0;
            return;
        }
        try {
            Node patched = api.annotate(nodeName, missing);
            failures = 0;
            trouble.reset("reannotate");
            AcquiredLease after = lease(patched, before.lease().subnet(), before.lease().ipv6Subnet());
            current = after;
            if (!java.util.Objects.equals(after.lease().publicIpv6(), before.lease().publicIpv6())) {
                Inet6Address overwrite = own.advertisedIpv6(patched, null); // the overwrite alone, or null
                LOG.info("node {}: {} now advertising public-ipv6 {} (was {})", nodeName,
                        own.names().publicIpv6Overwrite() + (overwrite != null ? " is " + Subnet.formatAddress(overwrite)
                                + ":" : " was removed:"),
                        Subnet.formatAddress(after.lease().publicIpv6()), Subnet.formatAddress(before.lease().publicIpv6()));
            }
            if (!after.lease().publicIp().equals(before.lease().publicIp())) {
                Inet4Address overwrite = own.overwrite(patched);
                LOG.info("node {}: {} now advertising public-ip {} (was {})", nodeName,
                        overwrite != null ? own.names().publicIpOverwrite() + " is " + overwrite.getHostAddress() + ":"
                                : own.names().publicIpOverwrite() + " was removed:",
                        after.lease().publicIp().getHostAddress(), before.lease().publicIp().getHostAddress());
            } else if (java.util.Objects.equals(after.lease().publicIpv6(), before.lease().publicIpv6())) {
                LOG.info("node {}: restored annotations {}", nodeName, missing.keySet());
            }
            if (!after.lease().sameAttributes(before.lease())) {
                listener.renewed(after);
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
        if (data6 != null) {
            String bad6 = own.invalidIpv6Overwrite(n);
            if (bad6 != null && !bad6.equals(lastInvalidOverwrite6)) {
                LOG.warn("node {}: annotation {} '{}' is not an IPv6 address; advertising {} instead. Set it to this"
                        + " node's public IPv6 address", nodeName, own.names().publicIpv6Overwrite(), bad6,
                        Subnet.formatAddress(detected6));
            }
            lastInvalidOverwrite6 = bad6;
        }
        if (data == null) {
            return;
        }
        String bad = own.invalidOverwrite(n);
        if (bad != null && !bad.equals(lastInvalidOverwrite)) {
            LOG.warn("node {}: annotation {} '{}' is not an IPv4 address; advertising {} instead. Set it to this node's"
                    + " public IPv4 address", nodeName, own.names().publicIpOverwrite(), bad, detected.getHostAddress());
        }
        lastInvalidOverwrite = bad;
    }

    private AcquiredLease lease(Node n, Subnet subnet, Subnet subnet6) {
        Inet4Address advertised = data == null ? detected : own.advertised(n, detected);
        Inet6Address advertised6 = data6 == null ? null : own.advertisedIpv6(n, detected6);
        Lease lease = new Lease(subnet, advertised, subnet6, advertised6, Lease.VXLAN, data, data6, null);
        String rv = n.getMetadata() == null ? null : n.getMetadata().getResourceVersion();
        long revision = rv != null && rv.chars().allMatch(Character::isDigit) && !rv.isEmpty() && rv.length() < 19
                ? Long.parseLong(rv) : 0;
        return new AcquiredLease("nodes/" + nodeName, lease, OwnAnnotations.backendDataValue(data != null ? data : data6), 0,
                revision);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
