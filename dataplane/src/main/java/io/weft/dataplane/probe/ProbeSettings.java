package io.weft.dataplane.probe;

import java.time.Duration;

/**
 * How often peers are probed and when a peer counts as unreachable.
 *
 * @param interval           between two probes to the same peer
 * @param timeout            a probe not answered within this long is lost
 * @param window             loss is reported over the last this-many settled probes
 * @param unreachableAfter   consecutive lost probes after which a peer is unreachable
 * @param warnAfter          consecutive lost probes after which the one warning is logged
 */
public record ProbeSettings(Duration interval, Duration timeout, int window, int unreachableAfter, int warnAfter) {
    public static final ProbeSettings DEFAULT = new ProbeSettings(Duration.ofSeconds(2), Duration.ofSeconds(2), 10, 3, 5);

    public ProbeSettings {
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("probe interval and timeout must be positive");
        }
        if (window < 1 || unreachableAfter < 1 || warnAfter < unreachableAfter || unreachableAfter > window) {
            throw new IllegalArgumentException("need 1 <= unreachableAfter <= window and warnAfter >= unreachableAfter");
        }
    }
}
