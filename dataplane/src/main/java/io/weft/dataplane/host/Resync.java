package io.weft.dataplane.host;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Re-applies host state every period on a daemon thread of its own, as flanneld re-checks its rules every
 * {@code -iptables-resync} seconds; a failing round is logged and the next one tries again.
 */
public final class Resync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Resync.class);
    private final ScheduledExecutorService timer;

    public Resync(String name, long periodSeconds, Runnable ensure) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weft-" + name);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                ensure.run();
            } catch (RuntimeException e) {
                log.warn("{} resync failed: {}", name, e.getMessage());
            }
        }, periodSeconds, periodSeconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
