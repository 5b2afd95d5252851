package io.weft.dataplane.tun;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IovArray;
import io.weft.dataplane.worker.Counter;
import io.weft.dataplane.worker.WorkerCounters;
import io.weft.vtep.VxlanEncap;
import io.weft.vtep.offload.GroBatch;
import io.weft.vtep.offload.GroSink;
import io.weft.vtep.offload.InnerChecksum;
import io.weft.vtep.offload.TsoSplit;
import io.weft.vtep.offload.VirtioNetHdr;

import java.io.IOException;

/**
 * A TUN queue opened with IFF_VNET_HDR: every read and write carries a 10-byte virtio_net_hdr, which this class owns.
 *
 * <p>Read: up to 64 KB behind the header. A plain packet (its partial checksum finished if NEEDS_CSUM) is copied
 * into a buffer of its own size, so that the datagram queued for sending does not pin a 64 KB read buffer; a TSO/USO
 * super-packet is cut by {@link TsoSplit} into MSS segments laid out as one UDP GSO send, each with room for its
 * VXLAN + Ethernet header. The read buffer is always free again for the next read.
 *
 * <p>Write: {@link GroBatch} merges adjacent TCP segments of a flow within one receive batch into one GSO packet,
 * gather-written to the TUN with its header; a TCP packet longer than the MTU (a kernel peer's GSO packet, received
 * whole) gets a GSO header of the MTU's MSS; anything else goes out alone behind a zero header, or behind a
 * NEEDS_CSUM one if its checksum is partial (as a kernel peer whose device offloads checksums sends it).
 */
final class VirtioTunQueue implements TunQueue {
    /** The largest IP packet a TUN with TSO hands out. */
    static final int MAX_SUPER_PACKET = 65535;
    private static final int OVERHEAD = VxlanEncap.OVERHEAD;
    /** Where the IP packet lands in the read buffer: the header is read into the bytes just before it. */
    private static final int IP = VxlanEncap.HEADROOM;
    private static final int HDR = IP - VirtioNetHdr.LENGTH;
    private static final int READ_CAPACITY = IP + MAX_SUPER_PACKET;

    private final FileDescriptor fd;
    private final ByteBufAllocator alloc;
    private final WorkerCounters counters;
    private final ByteBuf readBuffer;
    private final IovArray iov = new IovArray();
    private final int mtu;
    private final GroBatch gro;

    VirtioTunQueue(FileDescriptor fd, int mtu, ByteBufAllocator alloc, WorkerCounters counters) {
        this.fd = fd;
        this.mtu = mtu;
        this.gro = new GroBatch(new TunWriter(), mtu);
        this.alloc = alloc;
        this.counters = counters;
        this.readBuffer = alloc.directBuffer(READ_CAPACITY, READ_CAPACITY);
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public int maxPacketLength() {
        return MAX_SUPER_PACKET;
    }

    @Override
    public int read(TunPacketHandler handler) {
        ByteBuf buf = readBuffer;
        int n;
        try {
            n = fd.readAddress(buf.memoryAddress(), HDR, READ_CAPACITY);
        } catch (IOException e) {
            counters.increment(Counter.DROP_TUN_ERROR);
            return READ_NOTHING;
        }
        if (n <= 0) {
            return READ_NOTHING;
        }
        int length = n - VirtioNetHdr.LENGTH;
        if (length <= 0) {
            counters.increment(Counter.DROP_BAD_OFFLOAD);
            return 0;
        }
        int gsoType = VirtioNetHdr.gsoType(buf, HDR);
        if (gsoType == VirtioNetHdr.GSO_NONE) {
            if ((VirtioNetHdr.flags(buf, HDR) & VirtioNetHdr.F_NEEDS_CSUM) != 0 && !VirtioNetHdr.completeChecksum(buf,
                    IP, length, VirtioNetHdr.csumStart(buf, HDR), VirtioNetHdr.csumOffset(buf, HDR))) {
                counters.increment(Counter.DROP_BAD_OFFLOAD);
                return 0;
            }
            ByteBuf out = alloc.directBuffer(OVERHEAD + length);
            out.setBytes(OVERHEAD, buf, IP, length);
            out.writerIndex(OVERHEAD + length);
            return handedOn(handler.packet(out, OVERHEAD, length), out);
        }
        int gsoSize = VirtioNetHdr.gsoSize(buf, HDR);
        int header = TsoSplit.headerLength(buf, IP, length, gsoType);
        if (header < 0 || gsoSize == 0) {
            counters.increment(Counter.DROP_BAD_OFFLOAD);
            return 0;
        }
        int outLength = TsoSplit.outputLength(length, header, gsoSize, OVERHEAD);
        ByteBuf out = alloc.directBuffer(outLength);
        int segments = TsoSplit.split(buf, IP, length, gsoType, gsoSize, OVERHEAD, out, 0);
        if (segments <= 0) {
            out.release();
            counters.increment(Counter.DROP_BAD_OFFLOAD);
            return 0;
        }
        out.setIndex(0, outLength);
        return handedOn(handler.segments(out, segments, OVERHEAD + header + gsoSize), out);
    }

    private static int handedOn(boolean taken, ByteBuf out) {
        if (taken) {
            return 1;
        }
        out.release();
        return 0;
    }

    @Override
    public void write(ByteBuf buf, int ip, int length, InnerChecksum checksum) {
        if (length <= mtu) {
            gro.offer(buf, ip, length, checksum);
            return;
        }
        long superPackets = gro.superPackets();
        gro.offer(buf, ip, length, checksum);
        if (gro.superPackets() != superPackets) {
            counters.increment(Counter.RX_SUPER_PACKETS);
        }
    }

    @Override
    public void flush() {
        gro.flush();
    }

    @Override
    public void close() {
        readBuffer.release();
        iov.release();
    }

    /** Where inner packets (merged or not, behind a virtio_net_hdr) are written to the TUN. */
    private final class TunWriter implements GroSink {
        @Override
        public void write(ByteBuf[] bufs, int[] indexes, int[] lengths, int count) {
            long written;
            try {
                if (count == 1) {
                    written = fd.writeAddress(bufs[0].memoryAddress(), indexes[0], indexes[0] + lengths[0]);
                } else {
                    IovArray v = iov;
                    v.clear();
                    for (int i = 0; i < count; i++) {
                        v.add(bufs[i], indexes[i], lengths[i]);
                    }
                    written = fd.writevAddresses(v.memoryAddress(0), v.count());
                }
            } catch (IOException e) {
                counters.add(Counter.DROP_TUN_ERROR, count);
                return;
            }
            if (written <= 0) {
                counters.add(Counter.DROP_TUN_FULL, count);
                return;
            }
            counters.add(Counter.RX_PACKETS, count);
            counters.add(Counter.RX_BYTES, written - VirtioNetHdr.LENGTH);
            if (count > 1) {
                counters.increment(Counter.RX_MERGED_PACKETS);
            }
        }
    }
}
