package io.weft.dataplane.host;

import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * flanneld's {@code -ip-blackhole-route}: a blackhole route for this node's subnet in the main table, added when
 * missing and re-checked every resync period, so that traffic to an address of the subnet that no pod holds is
 * dropped here instead of following the default route out of the node. flanneld keeps one per family: for the IPv4
 * lease subnet and, with {@code EnableIPv6}, for the IPv6 one ({@code main.go}, {@code AddBlackholeV4Route} and
 * {@code AddBlackholeV6Route}). {@link #close()} stops the checking and leaves the route (a restart keeps it);
 * {@link #remove} deletes it.
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
            IpCommand.run(family(subnet), "route", "add", "blackhole", subnet);
        }
    }

    public boolean present() {
        return present(subnet);
    }

    /** True if the main table has a blackhole route for {@code subnet} (either family). */
    public static boolean present(String subnet) {
        return IpCommand.run(family(subnet), "route", "show", "type", "blackhole", subnet).contains(subnet);
    }

    /** Stops re-checking; the route stays. */
    @Override
    public void close() {
        if (resync != null) {
            resync.close();
        }
    }

    /** Deletes the blackhole route for {@code subnet} (either family); true if there was one. */
    public static boolean remove(String subnet) {
        if (subnet.contains(":")) {
            // IPv6 deletes the first route to the prefix whatever its type, and the CNI bridge's connected route to our
            // subnet (metric 256) comes before the blackhole (1024): only the device names it, and the kernel puts
            // every IPv6 blackhole route on lo.
            return IpCommand.tryRun("-6", "route", "del", "blackhole", subnet, "dev", "lo");
        }
        return IpCommand.tryRun("-4", "route", "del", "blackhole", subnet);
    }

    /** iproute2's family flag: {@code ip route show} lists IPv4 routes unless told otherwise. */
    private static String family(String subnet) {
        return subnet.contains(":") ? "-6" : "-4";
    }
}
