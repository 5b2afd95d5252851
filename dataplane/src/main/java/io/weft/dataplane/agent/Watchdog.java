package io.weft.dataplane.agent;

import io.weft.dataplane.DataPlane;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sends WATCHDOG=1 at half systemd's interval, but only after every worker loop has answered a task: a stuck worker
 * stops the pings, and systemd restarts weft.
 */
final class Watchdog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
    private final ScheduledExecutorService timer;

    private Watchdog(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Starts pinging if systemd asked for a watchdog; returns null otherwise. */
    static Watchdog start(SystemdNotify systemd, DataPlane dataPlane) {
        long usec = SystemdNotify.watchdogMicros();
        if (usec <= 0 || !systemd.enabled()) {
            return null;
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weft-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1000, usec / 2);
        timer.scheduleAtFixedRate(() -> {
            try {
                dataPlane.stats(); // answers only if every worker loop runs tasks
                systemd.watchdog();
            } catch (RuntimeException e) {
                log.error("a data-plane worker is not responding ({}); withholding the systemd watchdog ping", e.getMessage());
            }
        }, 0, period, TimeUnit.MICROSECONDS);
        return new Watchdog(timer);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
