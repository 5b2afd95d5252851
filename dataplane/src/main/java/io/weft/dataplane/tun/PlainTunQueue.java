package io.weft.dataplane.tun;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import io.weft.dataplane.worker.Counter;
import io.weft.dataplane.worker.WorkerCounters;
import io.weft.vtep.Ip;
import io.weft.vtep.VxlanEncap;
import io.weft.vtep.offload.InnerChecksum;
import io.weft.vtep.offload.PartialChecksum;
import io.weft.vtep.offload.TsoSplit;
import io.weft.vtep.offload.VirtioNetHdr;

import java.io.IOException;

/**
 * A TUN queue without IFF_VNET_HDR: one bare IP packet per read and per write. A packet is read at
 * {@link VxlanEncap#HEADROOM} into a pooled buffer of its own, so the encapsulator writes its headers in front of it
 * and sends that very buffer; a received inner packet is written from where it lies in the receive buffer (a partial
 * checksum completed in place first).
 *
 * <p>A received TCP packet longer than the MTU (a kernel peer's GSO packet, which crosses a veth whole and reaches the
 * socket as one datagram of up to 64 KB) is cut by {@link TsoSplit} into MTU-sized segments in a buffer kept for
 * that, each with its checksum complete, and written one by one: a TUN without virtio_net_hdr has no way to say
 * "segment this", and a pod behind the TUN takes nothing longer than its MTU.
 */
final class PlainTunQueue implements TunQueue {
    /** The longest IP and TCP headers (60 + 60 bytes): what every segment of a cut super-packet repeats. */
    private static final int MAX_HEADERS = 120;
    /** The largest IP packet a datagram can carry. */
    private static final int MAX_SUPER_PACKET = 65535;

    private final FileDescriptor fd;
    private final int mtu;
    private final int readCapacity;
    private final ByteBufAllocator alloc;
    private final WorkerCounters counters;
    /** The read buffer the last read did not hand on, kept for the next read. */
    private ByteBuf spare;
    /** Where a received super-packet is cut into segments: allocated once, on the first one. */
    private ByteBuf segments;

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
        if (length > mtu && Ip.protocol(buf, ip) == Ip.PROTO_TCP && writeCut(buf, ip, length)) {
            return;
        }
        if (checksum == InnerChecksum.PARTIAL) {
            // No virtio_net_hdr to say NEEDS_CSUM with: finish it here, as the kernel would before a real wire.
            PartialChecksum.complete(buf, ip, length);
        }
        if (writeOne(buf.memoryAddress(), ip, ip + length) > 0) {
            counters.increment(Counter.RX_PACKETS);
            counters.add(Counter.RX_BYTES, length);
        }
    }

    /** One write of {@code [from, to)} at {@code address}: the bytes written, or 0 with the drop counted. */
    private int writeOne(long address, int from, int to) {
        int written;
        try {
            written = fd.writeAddress(address, from, to);
        } catch (IOException e) {
            counters.increment(Counter.DROP_TUN_ERROR);
            return 0;
        }
        if (written <= 0) {
            counters.increment(Counter.DROP_TUN_FULL);
            return 0;
        }
        return written;
    }

    /**
     * Cuts the TCP super-packet into segments of the MTU and writes them; false, writing nothing, if it is not a
     * well-formed TCP packet (it then goes on whole, as any other packet).
     */
    private boolean writeCut(ByteBuf buf, int ip, int length) {
        int gsoType = Ip.version(buf, ip) == 4 ? VirtioNetHdr.GSO_TCPV4 : VirtioNetHdr.GSO_TCPV6;
        int header = TsoSplit.headerLength(buf, ip, length, gsoType);
        int gsoSize = mtu - header;
        if (header < 0 || gsoSize <= 0) {
            return false;
        }
        int outLength = TsoSplit.outputLength(length, header, gsoSize, 0);
        ByteBuf out = segmentBuffer();
        if (outLength > out.capacity()) {
            return false;
        }
        int n = TsoSplit.split(buf, ip, length, gsoType, gsoSize, 0, out, 0);
        if (n <= 0) {
            return false;
        }
        counters.increment(Counter.RX_SUPER_PACKETS);
        int stride = header + gsoSize;
        long address = out.memoryAddress();
        long bytes = 0;
        for (int i = 0, at = 0; i < n; i++, at += stride) {
            bytes += writeOne(address, at, Math.min(at + stride, outLength));
        }
        counters.increment(Counter.RX_PACKETS);
        counters.add(Counter.RX_BYTES, bytes);
        return true;
    }

    /** Room for the segments of the longest super-packet at this MTU (at least a 576-byte MTU's). */
    private ByteBuf segmentBuffer() {
        if (segments == null) {
            int mss = Math.max(mtu, 576) - MAX_HEADERS;
            int capacity = MAX_SUPER_PACKET + (MAX_SUPER_PACKET / mss + 1) * MAX_HEADERS;
            segments = alloc.directBuffer(capacity, capacity);
        }
        return segments;
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
        if (segments != null) {
            segments.release();
            segments = null;
        }
    }
}
