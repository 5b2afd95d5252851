package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;
import io.weft.vtep.Checksum;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Ipv6;
import io.weft.vtep.Tcp;
import io.weft.vtep.Udp;

/**
 * The partial L4 checksum a Linux sender leaves when its device offloads checksums, as a receiver meets it.
 *
 * <p>A kernel that hands a TCP or UDP packet to a device with TX checksum offload (a veth by default, virtio-net)
 * marks it CHECKSUM_PARTIAL and writes into the checksum field only the folded pseudo-header sum (addresses,
 * protocol, L4 length), leaving the rest to hardware. A veth never computes it, and a kernel VXLAN device over such
 * a device encapsulates the packet as it is, so a VXLAN peer on a virtual underlay receives inner packets whose
 * checksum is "wrong" in a precise way: the field equals that pseudo-header sum. The kernel's own VXLAN receiver
 * accepts them because the skb is still CHECKSUM_PARTIAL; a user-space receiver must recognise the form itself
 * and either pass it to a TUN as VIRTIO_NET_HDR_F_NEEDS_CSUM (the same meaning) or complete it.
 *
 * <p>Recognising the form proves nothing about the payload, exactly as CHECKSUM_PARTIAL doesn't: the sender's
 * kernel trusts its local path. On the wire the outer UDP checksum (which the sender computed for the completed
 * inner packet, "local checksum offload") is what covers it, and the kernel verifies that one before our socket
 * sees the datagram.
 *
 * <p>{@code ip} is the index of the IP header and {@code length} the packet's length as its header gives it
 * ({@link Ip#packetLength}), which the caller has checked fits the buffer. IPv6 extension headers are not walked
 * (as everywhere in vtep, see {@link Ip}): such a packet is {@link InnerChecksum#UNCHECKED}. Nothing here allocates.
 */
public final class PartialChecksum {
    private PartialChecksum() {
    }

    /**
     * What the TCP or UDP checksum of the packet holds. The cheap test comes first: a field equal to the folded
     * pseudo-header sum is {@link InnerChecksum#PARTIAL} without summing the payload. (A complete checksum may equal
     * it by chance, one packet in 65,535; completing such a packet writes the same value back, so treating it as
     * partial is harmless.) Otherwise the whole packet is summed.
     */
    public static InnerChecksum classify(ByteBuf buf, int ip, int length) {
        int start = csumStart(buf, ip, length);
        if (start < 0) {
            return InnerChecksum.UNCHECKED;
        }
        int l4 = ip + start;
        int l4Length = length - start;
        int protocol = Ip.protocol(buf, ip);
        int field = buf.getUnsignedShort(l4 + checksumOffset(protocol));
        if (protocol == Ip.PROTO_UDP && field == 0) {
            // "No checksum": allowed over IPv4 (RFC 768), invalid over IPv6 (RFC 8200 §8.1), as Linux treats it
            // without udp6zerocsumrx. Never the partial form: a folded sum of non-zero words is never zero.
            return Ip.version(buf, ip) == 4 ? InnerChecksum.VALID : InnerChecksum.BAD;
        }
        long pseudo = Checksum.pseudoHeader(buf, ip);
        if (field == OnesSum.fold(pseudo)) {
            return InnerChecksum.PARTIAL;
        }
        return OnesSum.fold(pseudo + OnesSum.sum(buf, l4, l4Length)) == 0xFFFF ? InnerChecksum.VALID : InnerChecksum.BAD;
    }

    /**
     * {@link #classify} for a packet whose bytes an outer checksum already covers: only the cheap test is made, so a
     * packet is {@link InnerChecksum#PARTIAL} (the field holds the pseudo-header sum), {@link InnerChecksum#UNCHECKED}
     * (not TCP or UDP, as for classify) or else {@link InnerChecksum#COVERED}, and the payload is never summed.
     *
     * <p>Why that is enough, for a frame from a weft peer: weft sends every frame through an ordinary UDP socket,
     * for which Linux always computes the UDP checksum (weft never sets SO_NO_CHECK), over the VXLAN header and the
     * whole inner packet; NAT on the way updates it, and the receiving kernel verifies it (in the NIC, in software,
     * or not at all on a veth, where the packet never left memory) and drops a damaged datagram before our socket
     * sees it, counting it in UdpInCsumErrors. (A frame that came over weft's TCP fallback is covered the same way
     * by the TCP checksum.) The inner checksum would check the same bytes again with the same 16-bit sum. A flannel peer's kernel VXLAN device sends a zero outer checksum (udpcsum is off), so its frames
     * keep the full {@link #classify}, and a damaged one is still dropped and counted by weft. Neither checksum is
     * a security measure: whoever can put a frame on the wire from a peer's address can also compute a right inner
     * checksum, so trusting the outer one gives a forger nothing; what stops forged frames is the sender and
     * inner-source checks, which run before this.
     */
    public static InnerChecksum classifyCovered(ByteBuf buf, int ip, int length) {
        int start = csumStart(buf, ip, length);
        if (start < 0) {
            return InnerChecksum.UNCHECKED;
        }
        int protocol = Ip.protocol(buf, ip);
        int field = buf.getUnsignedShort(ip + start + checksumOffset(protocol));
        if (protocol == Ip.PROTO_UDP && field == 0) {
            return Ip.version(buf, ip) == 4 ? InnerChecksum.COVERED : InnerChecksum.BAD;
        }
        return field == OnesSum.fold(Checksum.pseudoHeader(buf, ip)) ? InnerChecksum.PARTIAL : InnerChecksum.COVERED;
    }

    /** True if the packet is TCP or UDP and its checksum field holds exactly the folded pseudo-header sum. */
    public static boolean isPartial(ByteBuf buf, int ip, int length) {
        int start = csumStart(buf, ip, length);
        if (start < 0) {
            return false;
        }
        int protocol = Ip.protocol(buf, ip);
        int field = buf.getUnsignedShort(ip + start + checksumOffset(protocol));
        return field == OnesSum.fold(Checksum.pseudoHeader(buf, ip));
    }

    /**
     * Completes a partial checksum in software, as the kernel's {@code skb_checksum_help} would: sums the L4 header
     * and payload (the field's pseudo-header sum included) and writes the complement; a UDP result of zero is sent
     * as 0xFFFF. Returns false, writing nothing, for a packet {@link #classify} would call UNCHECKED. Call it only on a
     * packet that is {@link InnerChecksum#PARTIAL}: on any other it writes a wrong checksum.
     */
    public static boolean complete(ByteBuf buf, int ip, int length) {
        int start = csumStart(buf, ip, length);
        return start >= 0 && VirtioNetHdr.completeChecksum(buf, ip, length, start, checksumOffset(Ip.protocol(buf, ip)));
    }

    /**
     * Makes the checksum partial, as a sender with checksum offload leaves it: writes the folded pseudo-header sum
     * into the field. Returns false, writing nothing, for a packet {@link #classify} would call UNCHECKED.
     */
    public static boolean makePartial(ByteBuf buf, int ip, int length) {
        int start = csumStart(buf, ip, length);
        if (start < 0) {
            return false;
        }
        int protocol = Ip.protocol(buf, ip);
        buf.setShort(ip + start + checksumOffset(protocol), OnesSum.fold(Checksum.pseudoHeader(buf, ip)));
        return true;
    }

    /**
     * csum_start of a virtio_net_hdr with NEEDS_CSUM for this packet: where its TCP or UDP header starts, counted
     * from the IP header (a TUN has no link header). -1 for a packet {@link #classify} would call UNCHECKED.
     */
    public static int csumStart(ByteBuf buf, int ip, int length) {
        if (length < Ipv4.MIN_HEADER_LENGTH) {
            return -1; // not even the version byte is the packet's own
        }
        int version = Ip.version(buf, ip);
        int start;
        int protocol;
        if (version == 4) {
            if (length < Ipv4.MIN_HEADER_LENGTH || Ipv4.totalLength(buf, ip) != length || Ipv4.isFragment(buf, ip)) {
                return -1;
            }
            start = Ipv4.headerLength(buf, ip);
            protocol = Ipv4.protocol(buf, ip);
            if (start < Ipv4.MIN_HEADER_LENGTH) {
                return -1;
            }
        } else if (version == 6) {
            if (length < Ipv6.HEADER_LENGTH || Ipv6.HEADER_LENGTH + Ipv6.payloadLength(buf, ip) != length) {
                return -1;
            }
            start = Ipv6.HEADER_LENGTH;
            protocol = Ipv6.nextHeader(buf, ip);
        } else {
            return -1;
        }
        int l4Length = length - start;
        if (protocol == Ip.PROTO_TCP) {
            return l4Length >= Tcp.MIN_HEADER_LENGTH ? start : -1;
        }
        if (protocol == Ip.PROTO_UDP) {
            // A UDP length that disagrees with the IP header is the kernel's to judge (it trims or drops).
            return l4Length >= Udp.HEADER_LENGTH && Udp.length(buf, ip + start) == l4Length ? start : -1;
        }
        return -1;
    }

    /**
     * csum_offset of a virtio_net_hdr with NEEDS_CSUM for this packet: where the checksum field sits in its TCP (16)
     * or UDP (6) header. -1 for a packet {@link #classify} would call UNCHECKED.
     */
    public static int csumOffset(ByteBuf buf, int ip, int length) {
        return csumStart(buf, ip, length) < 0 ? -1 : checksumOffset(Ip.protocol(buf, ip));
    }

    /**
     * Writes, at {@code hdr}, the virtio_net_hdr that hands this (single, not GSO) packet to a TUN with its checksum
     * still partial: NEEDS_CSUM, {@link #csumStart}, {@link #csumOffset}, and hdr_len covering the IP and L4
     * headers. Returns false, writing nothing, for a packet {@link #classify} would call UNCHECKED.
     */
    public static boolean writeNeedsCsumHeader(ByteBuf buf, int hdr, int ip, int length) {
        int start = csumStart(buf, ip, length);
        if (start < 0) {
            return false;
        }
        int protocol = Ip.protocol(buf, ip);
        int l4Header = protocol == Ip.PROTO_TCP
                ? Math.min(Math.max(Tcp.headerLength(buf, ip + start), Tcp.MIN_HEADER_LENGTH), length - start)
                : Udp.HEADER_LENGTH;
        VirtioNetHdr.write(buf, hdr, VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_NONE, start + l4Header, 0, start,
                checksumOffset(protocol));
        return true;
    }

    private static int checksumOffset(int protocol) {
        return protocol == Ip.PROTO_TCP ? Tcp.CHECKSUM_OFFSET : Udp.CHECKSUM_OFFSET;
    }
}
