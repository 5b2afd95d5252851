package io.weft.dataplane.tun;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import io.weft.dataplane.worker.Counter;
import io.weft.dataplane.worker.WorkerCounters;
import io.weft.vtep.VxlanEncap;
import io.weft.vtep.offload.InnerChecksum;
import io.weft.vtep.offload.PartialChecksum;

import java.io.IOException;

/**
 * A TUN queue without IFF_VNET_HDR: one bare IP packet per read and per write. A packet is read at
 * {@link VxlanEncap#HEADROOM} into a pooled buffer of its own, so the encapsulator writes its headers in front of it
 * and sends that very buffer; a received inner packet is written from where it lies in the receive buffer (a partial
 * checksum completed in place first).
 */
final class PlainTunQueue implements TunQueue {
    private final FileDescriptor fd;
    private final int mtu;
    private final int readCapacity;
    private final ByteBufAllocator alloc;
    private final WorkerCounters counters;
    /** The read buffer the last read did not hand on, kept for the next read. */
    private ByteBuf spare;

    PlainTunQueue(FileDescriptor fd, int mtu, ByteBufAllocator alloc, WorkerCounters counters) {
        this.fd = fd;
        this.mtu = mtu;
        this.readCapacity = VxlanEncap.HEADROOM + mtu;
        this.alloc = alloc;
        this.counters = counters;
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public int maxPacketLength() {
        return mtu;
    }

    @Override
    public int read(TunPacketHandler handler) {
        ByteBuf buf = spare;
        spare = null;
        if (buf == null) {
            buf = alloc.directBuffer(readCapacity, readCapacity);
        }
        int n;
        try {
            n = fd.readAddress(buf.memoryAddress(), VxlanEncap.HEADROOM, readCapacity);
        } catch (IOException e) {
            counters.increment(Counter.DROP_TUN_ERROR);
            spare = buf;
            return READ_NOTHING;
        }
        if (n <= 0) {
            spare = buf;
            return READ_NOTHING;
        }
        if (handler.packet(buf, VxlanEncap.HEADROOM, n)) {
            return 1;
        }
        buf.clear();
        spare = buf;
        return 0;
    }

    @Override
    public void write(ByteBuf buf, int ip, int length, InnerChecksum checksum) {
        if (checksum == InnerChecksum.PARTIAL) {
            // No virtio_net_hdr to say NEEDS_CSUM with: finish it here, as the kernel would before a real wire.
            PartialChecksum.complete(buf, ip, length);
        }
        int written;
        try {
            written = fd.writeAddress(buf.memoryAddress(), ip, ip + length);
        } catch (IOException e) {
            counters.increment(Counter.DROP_TUN_ERROR);
            return;
        }
        if (written <= 0) {
            counters.increment(Counter.DROP_TUN_FULL);
            return;
        }
        counters.increment(Counter.RX_PACKETS);
        counters.add(Counter.RX_BYTES, length);
    }

    @Override
    public void flush() {
        // Every write went out at once.
    }

    @Override
    public void close() {
        if (spare != null) {
            spare.release();
            spare = null;
        }
    }
}
