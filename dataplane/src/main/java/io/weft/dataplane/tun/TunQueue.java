package io.weft.dataplane.tun;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import io.weft.dataplane.worker.WorkerCounters;
import io.weft.vtep.offload.InnerChecksum;
import io.weft.vtep.offload.PartialChecksum;

/**
 * One queue of a TUN device as its worker sees it: plain IP packets in both directions, whatever the device was
 * opened with. {@link PlainTunQueue} reads and writes bare packets; {@link VirtioTunQueue} owns the virtio_net_hdr,
 * cutting TSO/USO super-packets into segments on read and merging received TCP segments (GRO) on write. As
 * wireguard-go's {@code tun.Device}, so that the worker has no offload branches and a test can stand in a fake.
 *
 * <p>Used by the worker's event-loop thread only. The queue counts what it drops and what it writes in the worker's
 * {@link WorkerCounters}.
 */
public interface TunQueue {
    /** {@link #read} found nothing to read, or the read failed (counted in {@code drop_tun_error}). */
    int READ_NOTHING = -1;

    /** The queue's descriptor, to register on the event loop for EPOLLIN. */
    FileDescriptor fd();

    /** The longest IP packet {@link #read} hands out: the MTU, or a 64 KB super-packet's length with TSO. */
    int maxPacketLength();

    /**
     * Reads once and hands what the read held to {@code handler} as plain IP packets (one, or the segments of one
     * super-packet).
     *
     * @return {@link #READ_NOTHING}, or 1 if the handler took what it was given (it is queued for sending), 0 if not
     */
    int read(TunPacketHandler handler);

    /**
     * Writes the inner IP packet {@code [ip, ip + length)} of {@code buf} (with at least 10 free bytes before it), or,
     * on a queue that merges, takes it into the merge, which keeps pointing into {@code buf} until {@link #flush()}.
     * {@code checksum} is what {@link PartialChecksum#classify} found in its TCP/UDP checksum (never
     * {@link InnerChecksum#BAD}: the decapsulator drops those). A {@link InnerChecksum#PARTIAL} one goes to a queue
     * with virtio_net_hdr as NEEDS_CSUM, the kernel's own meaning of it; a plain queue completes it first.
     */
    void write(ByteBuf buf, int ip, int length, InnerChecksum checksum);

    /** Writes whatever the merge holds: after each receive batch, before its buffers are reused. */
    void flush();

    /** Frees the queue's buffers (on the loop, at shutdown); the descriptor stays the {@link TunDevice}'s. */
    void close();

    /** The queue for {@code fd} of a device that was opened with or without IFF_VNET_HDR. */
    static TunQueue open(FileDescriptor fd, boolean vnetHdr, int mtu, ByteBufAllocator alloc, WorkerCounters counters) {
        return vnetHdr ? new VirtioTunQueue(fd, mtu, alloc, counters) : new PlainTunQueue(fd, mtu, alloc, counters);
    }
}
