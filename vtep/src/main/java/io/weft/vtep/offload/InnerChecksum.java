package io.weft.vtep.offload;

/**
 * What a receiver finds in the TCP or UDP checksum of an inner packet ({@link PartialChecksum#classify}).
 */
public enum InnerChecksum {
    /** The checksum is right (or, for UDP over IPv4, zero: "no checksum", RFC 768). Deliver as it is. */
    VALID,
    /**
     * The field holds only the folded pseudo-header sum: a Linux sender whose device offloads checksums (a veth,
     * virtio-net) left it for hardware that never runs on this path. The kernel's meaning is CHECKSUM_PARTIAL:
     * deliver it with VIRTIO_NET_HDR_F_NEEDS_CSUM, or complete it in software ({@link PartialChecksum#complete}).
     */
    PARTIAL,
    /**
     * Not summed, because something stronger already vouched for it: the frame came from a weft peer, which always
     * sends an outer UDP checksum over the whole inner packet, and the kernel verified that one before the socket
     * handed us the datagram (see {@link PartialChecksum#classifyCovered}). Merge and deliver as if right.
     */
    COVERED,
    /** Neither right nor partial: the packet was damaged (or built wrongly). Drop and count it. */
    BAD,
    /**
     * Not ours to judge: not TCP or UDP (or an IPv6 packet with extension headers), an IPv4 fragment (the checksum
     * covers the whole datagram), or too short to hold its L4 header. Deliver as it is; the kernel decides.
     */
    UNCHECKED
}
