package io.weft.dataplane.agent;

import io.weft.dataplane.host.DirectRoutes;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Peer;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.ForwardingLeaseEvents;
import io.weft.fdb.registry.LeaseEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code Backend.DirectRouting: true}: the lease events go to the table feeder as always, and after each batch the
 * kernel's direct routes ({@link DirectRoutes}) are brought in line with the table just published, on a thread of
 * their own so that a slow {@code ip} never holds up the watch. Batches that come while one is being applied are
 * folded into the next run. A route that could not be installed is tried again after {@link #RETRY_SECONDS} s.
 *
 * <p>The peer stays in weft's table: a packet for it that reaches the TUN anyway (in the moment before its route is in,
 * or while the kernel refuses the route) is encapsulated as before, which its {@code flannel.<VNI>} or weft still takes,
 * rather than dropped; and a peer that sees us as not direct (another netmask) may still send us VXLAN.
 *
 * <p>Closing stops following and leaves the routes in place, as flanneld leaves its routes when it stops; they are
 * adopted by the next start and removed by {@link DirectRoutes#removeAll()}.
 */
final class DirectRouting extends ForwardingLeaseEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DirectRouting.class);
    static final long RETRY_SECONDS = 5;

    private final PublishedTable table;
    private final DirectRoutes routes;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weft-direct-routes");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean pending = new AtomicBoolean();

    /**
     * With {@code Backend.DirectRouting}, the events to pass to the watch instead of {@code feeder}; without it, null,
     * after removing the direct routes a run with it on left behind (a config change).
     */
    static DirectRouting start(NetworkConfig config, LeaseEvents feeder, PublishedTable table, String tunDevice) {
        if (!config.backend().directRouting()) {
            List<DirectRoutes.Route> left = DirectRoutes.removeAll();
            if (!left.isEmpty()) {
                log.info("Backend.DirectRouting is off: removed {} direct route(s) left from when it was on: {}",
                        left.size(), left);
            }
            return null;
        }
        log.info("Backend.DirectRouting: peers on our underlay segment get direct kernel routes (proto {}), not the"
                + " tunnel", DirectRoutes.PROTOCOL);
        return new DirectRouting(feeder, table, new DirectRoutes(tunDevice));
    }

    DirectRouting(LeaseEvents feeder, PublishedTable table, DirectRoutes routes) {
        super(feeder);
        this.table = table;
        this.routes = routes;
    }

    /** Which peers are routed directly, by subnet (read by the status views and the prober). */
    Map<Subnet, DirectRoutes.Route> current() {
        return routes.current();
    }

    @Override
    public void batchDone() {
        next.batchDone();
        schedule(0);
    }

    private void schedule(long delaySeconds) {
        if (pending.compareAndSet(false, true)) {
            try {
                thread.schedule(this::apply, delaySeconds, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.set(false); // closed
            }
        }
    }

    private void apply() {
        pending.set(false);
        List<DirectRoutes.Peer> peers = table.current().peers().stream().filter(Peer::hasV4)
                .map(p -> new DirectRoutes.Peer(p.subnet(), p.lease().publicIp())).toList();
        try {
            if (!routes.follow(peers)) {
                schedule(RETRY_SECONDS);
            }
        } catch (RuntimeException e) {
            log.warn("DirectRouting: cannot update the direct routes ({}); trying again in {} s", e.getMessage(),
                    RETRY_SECONDS);
            schedule(RETRY_SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.shutdownNow();
        thread.awaitTermination(5, TimeUnit.SECONDS);
    }
}
