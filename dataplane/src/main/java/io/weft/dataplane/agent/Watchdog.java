package io.weft.dataplane.agent;

import io.weft.dataplane.DataPlane;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sends WATCHDOG=1 at half systemd's interval, but only while every worker loop keeps running the heartbeat task it is
 * left at each tick ({@link DataPlane#workersAlive()}): a stuck worker stops the pings, and systemd restarts weft.
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
                if (dataPlane.workersAlive()) {
                    systemd.watchdog();
                } else {
                    log.error("a data-plane worker loop did not run its heartbeat within {} ms; withholding the systemd"
                            + " watchdog ping", period / 1000);
                }
            } catch (RuntimeException e) {
                log.error("the data-plane liveness check failed ({}); withholding the systemd watchdog ping", e.getMessage());
            }
        }, 0, period, TimeUnit.MICROSECONDS);
        return new Watchdog(timer);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
