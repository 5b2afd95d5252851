package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import io.weft.dataplane.DataPlaneException;
import io.weft.dataplane.os.Errno;
import io.weft.dataplane.os.LibC;

import java.io.IOException;

/**
 * Reads a UDP socket with {@code recvmmsg(2)} into fixed slots of one direct buffer: up to {@link #slots()}
 * datagrams per call, each (with UDP_GRO on) possibly a run of coalesced datagrams whose segment size comes in a
 * {@code SOL_UDP/UDP_GRO} control message.
 *
 * <p>Why not Netty's own read: per datagram Netty builds a {@code DatagramPacket}, a retained slice and an address,
 * and fires them down the pipeline one by one, which at a few hundred thousand datagrams per second is a large part
 * of the receive cost; and Netty 4.2.18 cannot combine recvmmsg with UDP_GRO (it loses the segment size and leaks a
 * buffer per single-run read). Here one call fills many slots and the caller walks them in place: no object per
 * datagram, no reference counts. The buffers are reused by the next call, so the caller must be done with every
 * datagram of a batch (and everything it points into) before it calls {@link #receive()} again.
 *
 * <p>The reader works on its own {@code dup(2)} of the socket's descriptor, so that it can be registered on the
 * event loop next to the Netty channel that keeps sending from the same socket. The headers live in a second direct
 * buffer: {@code struct mmsghdr} and {@code iovec} in the machine's (little-endian) order, the sender's
 * {@code sockaddr_in} (or {@code sockaddr_in6}) as the kernel wrote it (port and address in network order). One instance per thread.
 */
public final class BatchReceiver implements AutoCloseable {
    /** {@code struct mmsghdr}: a 56-byte {@code msghdr}, then {@code unsigned msg_len}, padded to 64. */
    private static final int MMSGHDR = 64;
    private static final int NAME_OFFSET = 0;
    private static final int NAMELEN_OFFSET = 8;
    private static final int IOV_OFFSET = 16;
    private static final int IOVLEN_OFFSET = 24;
    private static final int CONTROL_OFFSET = 32;
    private static final int CONTROLLEN_OFFSET = 40;
    private static final int FLAGS_OFFSET = 48;
    private static final int MSG_LEN_OFFSET = 56;
    private static final int IOVEC = 16;
    /** Room for a {@code sockaddr_in6}, the largest address an AF_INET/AF_INET6 socket reports. */
    private static final int NAME = 32;
    /** {@code CMSG_SPACE(sizeof(int))} is 24; room for one more small message. */
    private static final int CONTROL = 64;
    /** {@code struct cmsghdr}: {@code size_t cmsg_len; int cmsg_level; int cmsg_type;} then the data. */
    private static final int CMSG_HEADER = 16;

    private final FileDescriptor fd;
    private final int slots;
    private final int slotSize;
    private final ByteBuf data;
    private final ByteBuf meta;
    private final int iovBase;
    private final int nameBase;
    private final int controlBase;
    /** Messages the last call returned: only their header fields were changed by the kernel. */
    private int received;

    private BatchReceiver(FileDescriptor fd, int slots, int slotSize, ByteBufAllocator alloc) {
        this.fd = fd;
        this.slots = slots;
        this.slotSize = slotSize;
        this.data = alloc.directBuffer(slots * slotSize, slots * slotSize);
        this.iovBase = slots * MMSGHDR;
        this.nameBase = iovBase + slots * IOVEC;
        this.controlBase = nameBase + slots * NAME;
        int metaSize = controlBase + slots * CONTROL;
        this.meta = alloc.directBuffer(metaSize, metaSize);
        meta.setZero(0, metaSize);
        long metaAddress = meta.memoryAddress();
        long dataAddress = data.memoryAddress();
        for (int i = 0; i < slots; i++) {
            int h = i * MMSGHDR;
            int iov = iovBase + i * IOVEC;
            meta.setLongLE(iov, dataAddress + (long) i * slotSize);
            meta.setLongLE(iov + 8, slotSize);
            meta.setLongLE(h + NAME_OFFSET, metaAddress + nameBase + (long) i * NAME);
            meta.setLongLE(h + IOV_OFFSET, metaAddress + iov);
            meta.setLongLE(h + IOVLEN_OFFSET, 1);
            meta.setLongLE(h + CONTROL_OFFSET, metaAddress + controlBase + (long) i * CONTROL);
            resetLengths(i);
        }
    }

    /**
     * A reader of {@code socketFd} (which stays the caller's) with {@code slots} slots of {@code slotSize} bytes. A
     * slot must hold the longest datagram or GRO run expected; a longer one arrives cut short and
     * {@link #truncated(int)} says so.
     */
    public static BatchReceiver open(int socketFd, int slots, int slotSize, ByteBufAllocator alloc) {
        int dup = LibC.dup(socketFd);
        if (dup < 0) {
            throw new DataPlaneException("dup(" + socketFd + ") of the VXLAN socket failed: errno " + LibC.errno());
        }
        return new BatchReceiver(new FileDescriptor(dup), slots, slotSize, alloc);
    }

    /** The reader's own descriptor, to register on the event loop for EPOLLIN. */
    public FileDescriptor fd() {
        return fd;
    }

    public int slots() {
        return slots;
    }

    /**
     * Receives what is waiting, without blocking: the number of filled slots (1 to {@link #slots()}), 0 if nothing
     * was waiting, or minus the error number if the call failed (a pending socket error, for instance; the next
     * call goes on with the queue).
     */
    public int receive() {
        for (int i = 0; i < received; i++) {
            resetLengths(i);
        }
        received = 0;
        int n = LibC.recvmmsg(fd.intValue(), meta.memoryAddress(), slots, LibC.MSG_DONTWAIT, 0L);
        if (n < 0) {
            int errno = LibC.errno();
            return errno == Errno.EAGAIN ? 0 : -errno;
        }
        received = n;
        return n;
    }

    /** The buffer every slot lies in. */
    public ByteBuf buffer() {
        return data;
    }

    /** Where slot {@code i}'s datagram starts in {@link #buffer()}. */
    public int offset(int i) {
        return i * slotSize;
    }

    /** The bytes received in slot {@code i} (a whole GRO run, if it is one). */
    public int length(int i) {
        return meta.getIntLE(i * MMSGHDR + MSG_LEN_OFFSET);
    }

    /** True if slot {@code i}'s datagram was longer than a slot and is cut short. */
    public boolean truncated(int i) {
        return (meta.getIntLE(i * MMSGHDR + FLAGS_OFFSET) & LibC.MSG_TRUNC) != 0;
    }

    /** The size of each datagram in slot {@code i}'s GRO run (the last may be shorter), or 0 if it is one datagram. */
    public int segmentSize(int i) {
        int h = i * MMSGHDR;
        long controlLength = meta.getLongLE(h + CONTROLLEN_OFFSET);
        int at = controlBase + i * CONTROL;
        int end = at + (int) Math.min(controlLength, CONTROL);
        while (at + CMSG_HEADER <= end) {
            long length = meta.getLongLE(at);
            if (length < CMSG_HEADER) {
                break;
            }
            if (meta.getIntLE(at + 8) == LibC.SOL_UDP && meta.getIntLE(at + 12) == LibC.UDP_GRO
                    && at + CMSG_HEADER + 4 <= end) {
                return meta.getIntLE(at + CMSG_HEADER);
            }
            at += (int) ((length + 7) & ~7L);
        }
        return 0;
    }

    /** The IPv4 address slot {@code i} came from, as an int in network order (0 if it came over IPv6). */
    public int senderAddress(int i) {
        int name = nameBase + i * NAME;
        return meta.getShortLE(name) == LibC.AF_INET ? meta.getInt(name + 4) : 0;
    }

    /**
     * High 64 bits of the IPv6 address slot {@code i} came from ({@code sockaddr_in6.sin6_addr}, network order), on an
     * AF_INET6 socket.
     */
    public long senderV6Hi(int i) {
        return meta.getLong(nameBase + i * NAME + 8);
    }

    /** Low 64 bits of the IPv6 address slot {@code i} came from. */
    public long senderV6Lo(int i) {
        return meta.getLong(nameBase + i * NAME + 16);
    }

    /** The UDP port slot {@code i} came from. */
    public int senderPort(int i) {
        return meta.getUnsignedShort(nameBase + i * NAME + 2);
    }

    private void resetLengths(int i) {
        int h = i * MMSGHDR;
        meta.setIntLE(h + NAMELEN_OFFSET, NAME);
        meta.setLongLE(h + CONTROLLEN_OFFSET, CONTROL);
        meta.setIntLE(h + FLAGS_OFFSET, 0);
    }

    /** Closes the duplicated descriptor (the socket stays open for its channel) and frees the buffers. */
    @Override
    public void close() {
        try {
            fd.close();
        } catch (IOException e) {
            // Nothing to do: the descriptor is gone either way.
        }
        data.release();
        meta.release();
    }
}
