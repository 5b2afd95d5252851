package io.weft.benchmarks.harness;

import java.util.List;
import java.util.Map;

/** A tunnel set up on the rig between side A and side B, torn down by {@link #close()}. */
interface Tunnel extends AutoCloseable {
    /** The address traffic to {@code side} is sent to through this tunnel. */
    String addressOf(Rig.Side side);

    /** The user-space processes that carry the tunnel, whose CPU time and RSS are measured (empty for the kernel). */
    List<ServiceProcess> processes();

    /** Anything worth keeping with the results, e.g. weft's counters by side; read before {@link #close()}. */
    Map<String, Object> diagnostics();

    @Override
    void close();
}
