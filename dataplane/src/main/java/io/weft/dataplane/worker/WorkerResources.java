package io.weft.dataplane.worker;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.dataplane.tun.TunQueue;
import io.weft.fdb.PublishedTable;

/**
 * Everything one worker is built from, so that {@link Worker#start} is one call instead of a sequence.
 *
 * @param index    the worker's number (its TUN queue's, and its loop's position in the group)
 * @param loop     the event loop that will serve the worker's TUN queue and socket
 * @param tun      the worker's TUN queue, counting into {@code counters}
 * @param counters the worker's counters, written by its loop and read by anyone
 * @param hooks    the capture tap and probe hooks the worker consults
 * @param udpGso   the socket may send UDP GSO batches (the worker turns them off itself on EIO)
 * @param udpGro   ask for UDP_GRO on the worker's socket
 * @param inheritedSocket a bound VXLAN socket fd handed back by the service manager, or -1 to bind a new one
 * @param inheritedSocketV6 likewise for the IPv6 underlay's socket (a dual-stack or IPv6-only config), or -1
 */
public record WorkerResources(int index, DataPlaneConfig config, PublishedTable table, IoEventLoop loop, TunQueue tun,
                              WorkerCounters counters, DataPlaneHooks hooks, ByteBufAllocator alloc, boolean udpGso,
                              boolean udpGro, int inheritedSocket, int inheritedSocketV6) {
    /** A worker that binds its own socket. */
    public WorkerResources(int index, DataPlaneConfig config, PublishedTable table, IoEventLoop loop, TunQueue tun,
                           WorkerCounters counters, DataPlaneHooks hooks, ByteBufAllocator alloc, boolean udpGso,
                           boolean udpGro) {
        this(index, config, table, loop, tun, counters, hooks, alloc, udpGso, udpGro, -1, -1);
    }
}
