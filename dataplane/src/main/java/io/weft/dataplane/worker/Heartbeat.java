package io.weft.dataplane.worker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A worker loop's liveness signal for the watchdog: the loop bumps it each time it runs the beat task the watchdog
 * leaves it, and anyone can read it without waiting on the loop. A count that stops moving while beats are asked for
 * means the loop no longer runs its tasks.
 */
public final class Heartbeat {
    private static final VarHandle BEATS;

    static {
        try {
            BEATS = MethodHandles.lookup().findVarHandle(Heartbeat.class, "beats", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through BEATS
    private long beats;

    /** The owning loop only. */
    public void beat() {
        BEATS.setRelease(this, beats + 1);
    }

    /** Any thread: beats so far. */
    public long beats() {
        return (long) BEATS.getAcquire(this);
    }
}
