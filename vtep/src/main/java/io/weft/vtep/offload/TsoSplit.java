package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;
import io.weft.vtep.Checksum;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Ipv6;
import io.weft.vtep.Tcp;
import io.weft.vtep.Udp;

/**
 * Software segmentation of a TSO/USO super-packet read from a TUN device (what a NIC does in hardware): the
 * packet's payload is cut into {@code gsoSize} pieces and each becomes a complete, valid packet of its own.
 *
 * <p>Every output segment is written as {@code prefix} bytes copied from just before the input packet (the
 * worker puts the VXLAN + inner Ethernet header there), then the IP and L4 headers, then its share of the payload.
 * Segments are laid out back to back with a fixed stride of {@code prefix + headerLength + gsoSize}, the last one
 * possibly shorter: exactly the layout of one UDP GSO send whose segment size is that stride.
 *
 * <p>Per segment: IPv4 total length, ID (+i) and header checksum; IPv6 payload length; TCP sequence (+i·gsoSize),
 * FIN and PSH only on the last segment, CWR only on the first (as Linux's tcp_gso_segment); UDP length; and the full
 * L4 checksum (the kernel's hdr_len and partial checksum are not trusted). Allocates nothing.
 */
public final class TsoSplit {
    /** Returned when the packet is not a TCP/UDP packet of the kind its GSO type claims, or its lengths disagree. */
    public static final int MALFORMED = -1;

    private TsoSplit() {
    }

    /**
     * IP + L4 header length of the super-packet at {@code ip} ({@code length} bytes), or {@link #MALFORMED}.
     *
     * @param gsoType {@link VirtioNetHdr#GSO_TCPV4}, {@link VirtioNetHdr#GSO_TCPV6} or {@link VirtioNetHdr#GSO_UDP_L4}
     */
    public static int headerLength(ByteBuf in, int ip, int length, int gsoType) {
        if (length < Ipv4.MIN_HEADER_LENGTH) {
            return MALFORMED;
        }
        int version = Ip.version(in, ip);
        int ipHeader;
        if (version == 4 && (gsoType == VirtioNetHdr.GSO_TCPV4 || gsoType == VirtioNetHdr.GSO_UDP_L4)) {
            ipHeader = Ipv4.headerLength(in, ip);
            if (ipHeader < Ipv4.MIN_HEADER_LENGTH || Ipv4.totalLength(in, ip) != length || Ipv4.isFragment(in, ip)) {
                return MALFORMED;
            }
        } else if (version == 6 && (gsoType == VirtioNetHdr.GSO_TCPV6 || gsoType == VirtioNetHdr.GSO_UDP_L4)) {
            ipHeader = Ipv6.HEADER_LENGTH;
            if (length < Ipv6.HEADER_LENGTH || Ipv6.HEADER_LENGTH + Ipv6.payloadLength(in, ip) != length) {
                return MALFORMED;
            }
        } else {
            return MALFORMED;
        }
        int protocol = Ip.protocol(in, ip);
        int l4Header;
        if (gsoType == VirtioNetHdr.GSO_UDP_L4) {
            if (protocol != Ip.PROTO_UDP) {
                return MALFORMED;
            }
            l4Header = Udp.HEADER_LENGTH;
        } else {
            if (protocol != Ip.PROTO_TCP || length < ipHeader + Tcp.MIN_HEADER_LENGTH) {
                return MALFORMED;
            }
            l4Header = Tcp.headerLength(in, ip + ipHeader);
            if (l4Header < Tcp.MIN_HEADER_LENGTH) {
                return MALFORMED;
            }
        }
        int header = ipHeader + l4Header;
        return header <= length ? header : MALFORMED;
    }

    /** How many segments a payload of {@code payloadLength} bytes makes at {@code gsoSize}. */
    public static int segmentCount(int payloadLength, int gsoSize) {
        return (payloadLength + gsoSize - 1) / gsoSize;
    }

    /** Bytes {@link #split} writes: every segment's prefix and headers, plus the payload once. */
    public static int outputLength(int length, int headerLength, int gsoSize, int prefix) {
        int payload = length - headerLength;
        return segmentCount(payload, gsoSize) * (prefix + headerLength) + payload;
    }

    /**
     * Splits the super-packet {@code [ip, ip + length)} of {@code in} into {@code out} starting at {@code outIndex}.
     * {@code out} must have {@link #outputLength} writable bytes there (indexes are absolute; reader and writer
     * indexes are left alone).
     *
     * @return the number of segments written, or {@link #MALFORMED} (nothing written)
     */
    public static int split(ByteBuf in, int ip, int length, int gsoType, int gsoSize, int prefix, ByteBuf out, int outIndex) {
        int header = headerLength(in, ip, length, gsoType);
        if (header < 0 || gsoSize <= 0 || ip < prefix) {
            return MALFORMED;
        }
        int payload = length - header;
        if (payload <= 0) {
            return MALFORMED;
        }
        int segments = segmentCount(payload, gsoSize);
        int version = Ip.version(in, ip);
        int ipHeader = version == 4 ? Ipv4.headerLength(in, ip) : Ipv6.HEADER_LENGTH;
        boolean tcp = gsoType != VirtioNetHdr.GSO_UDP_L4;
        int firstId = version == 4 ? Ipv4.id(in, ip) : 0;
        long firstSeq = tcp ? Tcp.sequence(in, ip + ipHeader) : 0;
        int flags = tcp ? Tcp.flags(in, ip + ipHeader) : 0;
        int protocol = tcp ? Ip.PROTO_TCP : Ip.PROTO_UDP;
        // The address part of the pseudo-header is the same for every segment.
        long pseudo = version == 4
                ? Checksum.pseudoHeaderV4(Ipv4.src(in, ip), Ipv4.dst(in, ip), protocol, 0)
                : Checksum.pseudoHeaderV6(Ipv6.srcHi(in, ip), Ipv6.srcLo(in, ip), Ipv6.dstHi(in, ip), Ipv6.dstLo(in, ip),
                        protocol, 0);
        int stride = prefix + header + gsoSize;
        int from = ip + header;
        for (int i = 0; i < segments; i++) {
            boolean last = i == segments - 1;
            int segPayload = last ? payload - i * gsoSize : gsoSize;
            int at = outIndex + i * stride;
            out.setBytes(at, in, ip - prefix, prefix + header);
            out.setBytes(at + prefix + header, in, from + i * gsoSize, segPayload);
            int sIp = at + prefix;
            int l4 = sIp + ipHeader;
            int l4Length = header - ipHeader + segPayload;
            if (version == 4) {
                Ipv4.setTotalLength(out, sIp, header + segPayload);
                Ipv4.setId(out, sIp, firstId + i);
                Ipv4.fillHeaderChecksum(out, sIp);
            } else {
                Ipv6.setPayloadLength(out, sIp, l4Length);
            }
            int checksumAt;
            if (tcp) {
                out.setInt(l4 + 4, (int) (firstSeq + (long) i * gsoSize));
                int f = flags;
                if (!last) {
                    f &= ~(Tcp.FLAG_FIN | Tcp.FLAG_PSH);
                }
                if (i > 0) {
                    f &= ~Tcp.FLAG_CWR;
                }
                out.setByte(l4 + 13, f);
                checksumAt = l4 + Tcp.CHECKSUM_OFFSET;
            } else {
                out.setShort(l4 + 4, l4Length);
                checksumAt = l4 + Udp.CHECKSUM_OFFSET;
            }
            out.setShort(checksumAt, 0);
            long acc = pseudo + l4Length + OnesSum.sum(out, l4, l4Length);
            int sum = ~OnesSum.fold(acc) & 0xFFFF;
            if (sum == 0 && !tcp) {
                sum = 0xFFFF;
            }
            out.setShort(checksumAt, sum);
        }
        return segments;
    }
}
