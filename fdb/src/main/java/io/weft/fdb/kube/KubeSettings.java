package io.weft.fdb.kube;

import java.time.Duration;

/**
 * The Kubernetes registry's timings, flanneld's where it has them; tests shorten them.
 *
 * @param resync      the node informer's resync period (flanneld: 5 min)
 * @param retryMin    first delay before a failed API call is tried again (flanneld polls every 3 s)
 * @param retryMax    the delay doubles up to this while the API server stays away
 * @param reportEvery at most one log line per this interval for a repeating condition (API server down, bad node)
 */
public record KubeSettings(Duration resync, Duration retryMin, Duration retryMax, Duration reportEvery) {
    public static KubeSettings defaults() {
        return new KubeSettings(Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    /** The delay before attempt {@code attempt + 1} (attempt counts from 0). */
    public Duration backoff(int attempt) {
        long ms = retryMin.toMillis() << Math.min(attempt, 16);
        return Duration.ofMillis(Math.min(ms, retryMax.toMillis()));
    }
}
