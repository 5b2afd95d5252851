package io.weft.dataplane.host;

import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * flanneld's {@code -ip-blackhole-route}: a blackhole route for this node's subnet in the main table, added when
 * missing and re-checked every resync period, so that traffic to an address of the subnet that no pod holds is
 * dropped here instead of following the default route out of the node. {@link #close()} stops the checking and
 * leaves the route (a restart keeps it); {@link #remove} deletes it.
 */
public final class BlackholeRoute implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlackholeRoute.class);
    private final String subnet;
    private Resync resync;

    public BlackholeRoute(Subnet subnet) {
        this.subnet = subnet.toString();
    }

    public void start(long resyncSeconds) {
        ensure();
        log.info("blackhole route for {} in place", subnet);
        resync = new Resync("blackhole-route", resyncSeconds, this::ensure);
    }

    /** Adds the route unless it is there. */
    public void ensure() {
        if (!present()) {
            IpCommand.run("route", "add", "blackhole", subnet);
        }
    }

    public boolean present() {
        return IpCommand.run("route", "show", "type", "blackhole", subnet).contains(subnet);
    }

    /** Stops re-checking; the route stays. */
    @Override
    public void close() {
        if (resync != null) {
            resync.close();
        }
    }

    /** Deletes the blackhole route for {@code subnet}; true if there was one. */
    public static boolean remove(String subnet) {
        return IpCommand.tryRun("route", "del", "blackhole", subnet);
    }
}
