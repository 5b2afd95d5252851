package io.weft.fdb.registry;

import java.time.Duration;

/**
 * The registry's timings, flanneld's by default; tests shorten them.
 *
 * @param configRetry        how often a missing config is read again (flanneld: 1 s)
 * @param reportEvery        at most one log line per this interval for a repeating condition (etcd down, no config)
 * @param leaseTtl           the etcd lease attached to our key (flanneld: 24 h)
 * @param renewMargin        renew this long before expiry ({@code --subnet-lease-renew-margin}, default 60 min)
 * @param renewRetry         retry a failed renewal or re-acquisition after this (flanneld: 1 min)
 * @param raceRetries        how many subnets to try when others win the create race (flanneld: 10, then exits)
 * @param requestTimeout     give up on one etcd request after this
 * @param watchBackoffMin    first delay before re-opening a broken watch
 * @param watchBackoffMax    the delay doubles up to this
 */
public record RegistrySettings(Duration configRetry, Duration reportEvery, Duration leaseTtl, Duration renewMargin,
                               Duration renewRetry, int raceRetries, Duration requestTimeout,
                               Duration watchBackoffMin, Duration watchBackoffMax) {

    public RegistrySettings {
        if (!renewMargin.isNegative() && renewMargin.compareTo(leaseTtl) >= 0) {
            throw new IllegalArgumentException("--subnet-lease-renew-margin (" + renewMargin + ") must be shorter than the lease TTL ("
                    + leaseTtl + ")");
        }
        if (leaseTtl.getSeconds() < 2) {
            throw new IllegalArgumentException("lease TTL must be at least 2 s, got " + leaseTtl);
        }
        if (raceRetries < 1) {
            throw new IllegalArgumentException("raceRetries must be at least 1");
        }
    }

    public static RegistrySettings defaults() {
        return new RegistrySettings(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofHours(24),
                Duration.ofMinutes(60), Duration.ofMinutes(1), 10, Duration.ofSeconds(10),
                Duration.ofMillis(100), Duration.ofSeconds(5));
    }

    public RegistrySettings withLease(Duration ttl, Duration margin) {
        return new RegistrySettings(configRetry, reportEvery, ttl, margin, renewRetry, raceRetries, requestTimeout,
                watchBackoffMin, watchBackoffMax);
    }

    public RegistrySettings withRenewMargin(Duration margin) {
        return withLease(leaseTtl, margin);
    }

    public RegistrySettings withRetries(Duration newConfigRetry, Duration newRenewRetry, Duration newReportEvery) {
        return new RegistrySettings(newConfigRetry, newReportEvery, leaseTtl, renewMargin, newRenewRetry, raceRetries,
                requestTimeout, watchBackoffMin, watchBackoffMax);
    }

    public RegistrySettings withRequestTimeout(Duration timeout) {
        return new RegistrySettings(configRetry, reportEvery, leaseTtl, renewMargin, renewRetry, raceRetries, timeout,
                watchBackoffMin, watchBackoffMax);
    }
}
