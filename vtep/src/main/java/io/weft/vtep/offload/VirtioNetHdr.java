package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;
import io.weft.vtep.Ip;
import io.weft.vtep.Udp;

/**
 * The 10-byte {@code struct virtio_net_hdr} (linux/virtio_net.h) that a TUN device opened with IFF_VNET_HDR puts in
 * front of every packet it hands out and expects in front of every packet written to it. Fields are little-endian
 * (x86; TUNSETVNETLE is not used). {@code csumStart} counts from the start of the IP packet (a TUN has no link
 * header).
 */
public final class VirtioNetHdr {
    public static final int LENGTH = 10;

    /** flags: the L4 checksum is partial (only the pseudo-header sum is in the field); finish it at csum_start/offset. */
    public static final int F_NEEDS_CSUM = 1;
    /** flags: the checksum has been verified. */
    public static final int F_DATA_VALID = 2;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    /** UDP segmentation offload (USO); missing from Debian 12's headers. */
    public static final int GSO_UDP_L4 = 5;
    public static final int GSO_ECN = 0x80;

    private VirtioNetHdr() {
    }

    public static int flags(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index);
    }

    /** The GSO type without the ECN bit. */
    public static int gsoType(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + 1) & ~GSO_ECN;
    }

    public static int gsoSize(ByteBuf buf, int index) {
        return buf.getUnsignedShortLE(index + 4);
    }

    public static int csumStart(ByteBuf buf, int index) {
        return buf.getUnsignedShortLE(index + 6);
    }

    public static int csumOffset(ByteBuf buf, int index) {
        return buf.getUnsignedShortLE(index + 8);
    }

    public static void write(ByteBuf buf, int index, int flags, int gsoType, int hdrLen, int gsoSize, int csumStart,
                             int csumOffset) {
        buf.setShortLE(index, (gsoType & 0xFF) << 8 | (flags & 0xFF));
        buf.setShortLE(index + 2, hdrLen);
        buf.setShortLE(index + 4, gsoSize);
        buf.setShortLE(index + 6, csumStart);
        buf.setShortLE(index + 8, csumOffset);
    }

    /** A header that says "one plain packet, checksums complete". */
    public static void writeNone(ByteBuf buf, int index) {
        buf.setLongLE(index, 0);
        buf.setShortLE(index + 8, 0);
    }

    /**
     * Finishes a partial (NEEDS_CSUM) checksum of the packet {@code [ipIndex, ipIndex + length)}: sums from
     * {@code csumStart} to the end (the field already holds the pseudo-header sum) and writes the complement at
     * {@code csumStart + csumOffset}. A UDP result of zero is sent as 0xFFFF. Returns false, writing nothing, if the
     * offsets do not fit the packet.
     */
    public static boolean completeChecksum(ByteBuf buf, int ipIndex, int length, int csumStart, int csumOffset) {
        if (csumStart < 0 || csumOffset < 0 || csumStart + csumOffset + 2 > length) {
            return false;
        }
        int from = ipIndex + csumStart;
        int sum = ~OnesSum.fold(OnesSum.sum(buf, from, length - csumStart)) & 0xFFFF;
        if (sum == 0 && csumOffset == Udp.CHECKSUM_OFFSET && Ip.protocol(buf, ipIndex) == Ip.PROTO_UDP) {
            sum = 0xFFFF;
        }
        buf.setShort(from + csumOffset, sum);
        return true;
    }
}
