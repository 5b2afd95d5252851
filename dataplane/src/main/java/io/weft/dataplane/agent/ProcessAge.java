package io.weft.dataplane.agent;

import java.time.Duration;
import java.time.Instant;

/**
 * How long ago this process was started (by the service manager or a shell), JVM start-up included: the figure that
 * says how soon after a restart weft forwards again. The kernel records the start in clock ticks (10 ms).
 */
final class ProcessAge {
    private static final Instant STARTED = ProcessHandle.current().info().startInstant().orElse(Instant.now());

    private ProcessAge() {
    }

    /** Milliseconds since this process was started. */
    static long millis() {
        return Math.max(0, Duration.between(STARTED, Instant.now()).toMillis());
    }
}
