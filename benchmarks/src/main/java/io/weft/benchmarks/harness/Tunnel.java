package io.weft.benchmarks.harness;

import io.weft.labkit.process.Cmd;

import java.util.List;
import java.util.Map;

/** A tunnel set up on the rig between side A and side B, torn down by {@link #close()}. */
interface Tunnel extends AutoCloseable {
    /** The address traffic to {@code side} is sent to through this tunnel. */
    String addressOf(Rig.Side side);

    /** The user-space processes that carry the tunnel, whose CPU time and RSS are measured (none for the kernel). */
    default List<Cmd> processes() {
        return List.of();
    }

    /** Anything worth keeping with the results, e.g. weft's counters by side; read before {@link #close()}. */
    default Map<String, Object> diagnostics() {
        return Map.of();
    }

    @Override
    void close();
}
