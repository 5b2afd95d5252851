package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;
import io.weft.vtep.Checksum;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Ipv6;
import io.weft.vtep.Tcp;

/**
 * Receive-side coalescing (what GRO does in the kernel) of the inner packets of one receive batch, before they are
 * written to a TUN opened with IFF_VNET_HDR: adjacent TCP segments of one flow become one super-packet with a GSO
 * virtio_net_hdr, so the kernel's TCP stack sees one 64 KB packet instead of ~45.
 *
 * <p>Rules (Linux's tcp_gro_receive and wireguard-go's tcpGRO): a segment joins a run when it has the same
 * addresses, ports and acknowledgement number, the same IP header fields (TOS/TTL/DF; traffic class, flow label and
 * hop limit), the same TCP header length, options and window, flags ACK or ACK|PSH, carries data, its sequence
 * number follows the run's last byte exactly, it is not longer than the run's first segment, its IPv4 header
 * checksum verifies and its TCP checksum is {@link InnerChecksum#VALID}, {@link InnerChecksum#PARTIAL} or
 * {@link InnerChecksum#COVERED} (a NEEDS_CSUM packet is not verified again by the kernel; a partial one, as a sender
 * with checksum offload leaves it, was not going to be verified anyway: NEEDS_CSUM is the kernel's own meaning of it;
 * a covered one was verified as part of its outer UDP datagram). Nothing joins after a PSH or a segment
 * shorter than the first. Anything else is handed on alone after the runs of its own TCP connection (so no
 * connection sees its packets reordered): with a zero virtio_net_hdr, or, if its TCP or UDP checksum is partial,
 * with NEEDS_CSUM at its csum_start/csum_offset and the field left as it came.
 *
 * <p>A TCP packet longer than the TUN's MTU is a super-packet already: a kernel VXLAN peer whose device does
 * segmentation offload (a veth with its defaults) sends its GSO packet whole, and it reaches our socket as one
 * datagram of up to 64 KB with no segment size attached (checked on Linux 6.18, with and without UDP_GRO). It joins
 * nothing and goes out alone with a GSO header (NEEDS_CSUM, GSO_TCPV4/6, hdr_len, gso_size = the MTU less its
 * headers, the pseudo-header sum in its checksum field), so that the kernel cuts it again before a pod or a wire
 * that cannot take it whole.
 *
 * <p>Nothing is copied: the packets stay where they were received, the run's first packet gets the new headers in
 * place (its virtio_net_hdr goes into the 10 bytes before its IP header, which must be free), and the sink gets the
 * pieces to gather-write. The caller keeps every offered buffer alive until {@link #flush()} has returned.
 * One instance per thread; allocates nothing after construction.
 */
public final class GroBatch {
    /** Segments per merged packet (the kernel's GSO limit on a TUN is 64 KB anyway). */
    public static final int MAX_SEGMENTS = 64;
    /** Runs kept open at once; a new flow beyond this flushes the oldest run. */
    public static final int MAX_FLOWS = 8;
    private static final int MAX_IP_LENGTH = 65535;
    private static final int FLAGS_ACK_PSH = Tcp.FLAG_ACK | Tcp.FLAG_PSH;

    private final GroSink sink;
    /** The longest packet the TUN takes without a GSO header: its MTU. */
    private final int mtu;
    private int active;
    private final ByteBuf[] head = new ByteBuf[MAX_FLOWS];
    private final int[] headIp = new int[MAX_FLOWS];
    private final int[] headerLength = new int[MAX_FLOWS];
    private final int[] gsoSize = new int[MAX_FLOWS];
    private final int[] segments = new int[MAX_FLOWS];
    private final int[] ipLength = new int[MAX_FLOWS];
    private final long[] nextSeq = new long[MAX_FLOWS];
    private final boolean[] closed = new boolean[MAX_FLOWS];
    private final boolean[] push = new boolean[MAX_FLOWS];
    /** The run's first segment came with a partial checksum (it matters only if nothing joins it). */
    private final boolean[] headPartial = new boolean[MAX_FLOWS];
    private final ByteBuf[][] pieceBuf = new ByteBuf[MAX_FLOWS][MAX_SEGMENTS];
    private final int[][] pieceIndex = new int[MAX_FLOWS][MAX_SEGMENTS];
    private final int[][] pieceLength = new int[MAX_FLOWS][MAX_SEGMENTS];
    private final ByteBuf[] singleBuf = new ByteBuf[1];
    private final int[] singleIndex = new int[1];
    private final int[] singleLength = new int[1];

    private long mergedPackets;
    private long mergedSegments;
    private long superPackets;

    /** A batch for a TUN that takes packets of any length up to 64 KB without a GSO header (no MTU applies). */
    public GroBatch(GroSink sink) {
        this(sink, MAX_IP_LENGTH);
    }

    /** A batch for a TUN of MTU {@code mtu}: a longer TCP packet goes out with a GSO header of that MTU's MSS. */
    public GroBatch(GroSink sink, int mtu) {
        this.sink = sink;
        this.mtu = mtu;
    }

    /**
     * Takes the IP packet {@code [ip, ip + length)} of {@code buf} (with at least 10 writable bytes before it). It is
     * either added to a run or, if it cannot be merged, written (after its connection's runs) at once.
     */
    public void offer(ByteBuf buf, int ip, int length) {
        offer(buf, ip, length, PartialChecksum.classify(buf, ip, length));
    }

    /**
     * {@link #offer(ByteBuf, int, int)} for a packet whose L4 checksum the caller has already classified with
     * {@link PartialChecksum#classify} (so that it is summed once).
     */
    public void offer(ByteBuf buf, int ip, int length, InnerChecksum checksum) {
        boolean partial = checksum == InnerChecksum.PARTIAL;
        if (length > mtu) {
            int header = superPacketHeader(buf, ip, length, checksum);
            if (header > 0 && mtu > header) {
                flushConnection(buf, ip);
                writeSuper(buf, ip, length, Ip.l4Index(buf, ip) - ip, header);
                return;
            }
        }
        int payload = mergeablePayload(buf, ip, length, checksum);
        if (payload <= 0) {
            if (payload == NOT_MERGEABLE_TCP) {
                flushConnection(buf, ip);
            }
            writeSingle(buf, ip, length, partial);
            return;
        }
        int ipHeader = Ip.l4Index(buf, ip) - ip;
        int header = ipHeader + Tcp.headerLength(buf, ip + ipHeader);
        for (int r = 0; r < active; r++) {
            if (sameFlow(head[r], headIp[r], buf, ip)) {
                if (canAppend(r, buf, ip, header, payload)) {
                    append(r, buf, ip, header, payload);
                    return;
                }
                flushRun(r);
                start(buf, ip, header, payload, partial);
                return;
            }
        }
        if (active == MAX_FLOWS) {
            flushRun(0);
        }
        start(buf, ip, header, payload, partial);
    }

    /** Writes every open run, oldest first. Call at the end of each receive batch. */
    public void flush() {
        while (active > 0) {
            flushRun(0);
        }
    }

    /** Packets written with more than one segment in them, since construction. */
    public long mergedPackets() {
        return mergedPackets;
    }

    /** Received packets longer than the MTU that went out alone with a GSO header, since construction. */
    public long superPackets() {
        return superPackets;
    }

    /** Segments that went out inside merged packets, since construction. */
    public long mergedSegments() {
        return mergedSegments;
    }

    // ------------------------------------------------------------------ classification

    private static final int NOT_MERGEABLE = 0;
    private static final int NOT_MERGEABLE_TCP = -1;

    /**
     * The TCP payload length if the packet may join or start a run; {@link #NOT_MERGEABLE_TCP} for a TCP packet
     * that must go alone, {@link #NOT_MERGEABLE} for anything else.
     */
    static int mergeablePayload(ByteBuf buf, int ip, int length, InnerChecksum checksum) {
        if (length < Ipv4.MIN_HEADER_LENGTH) {
            // Too short for any IP header: not even the version byte is the packet's own (found by OffloadFuzzTest).
            return NOT_MERGEABLE;
        }
        int version = Ip.version(buf, ip);
        int ipHeader;
        if (version == 4) {
            if (length < Ipv4.MIN_HEADER_LENGTH || Ipv4.protocol(buf, ip) != Ip.PROTO_TCP) {
                return NOT_MERGEABLE;
            }
            ipHeader = Ipv4.headerLength(buf, ip);
            if (ipHeader != Ipv4.MIN_HEADER_LENGTH || Ipv4.totalLength(buf, ip) != length || Ipv4.isFragment(buf, ip)
                    || length < ipHeader + Tcp.MIN_HEADER_LENGTH) {
                // Still a TCP connection that may have a run open, if its ports can be read.
                return ipHeader >= Ipv4.MIN_HEADER_LENGTH && !Ipv4.isFragment(buf, ip)
                        && length >= ipHeader + Tcp.MIN_HEADER_LENGTH ? NOT_MERGEABLE_TCP : NOT_MERGEABLE;
            }
            if (OnesSum.fold(OnesSum.sum(buf, ip, ipHeader)) != 0xFFFF) {
                return NOT_MERGEABLE_TCP;
            }
        } else if (version == 6) {
            if (length < Ipv6.HEADER_LENGTH + Tcp.MIN_HEADER_LENGTH || Ipv6.nextHeader(buf, ip) != Ip.PROTO_TCP
                    || Ipv6.HEADER_LENGTH + Ipv6.payloadLength(buf, ip) != length) {
                return NOT_MERGEABLE;
            }
            ipHeader = Ipv6.HEADER_LENGTH;
        } else {
            return NOT_MERGEABLE;
        }
        int tcp = ip + ipHeader;
        int tcpHeader = Tcp.headerLength(buf, tcp);
        int flags = Tcp.flags(buf, tcp);
        if (tcpHeader < Tcp.MIN_HEADER_LENGTH || ipHeader + tcpHeader >= length
                || (flags != Tcp.FLAG_ACK && flags != FLAGS_ACK_PSH)) {
            return NOT_MERGEABLE_TCP;
        }
        if (!mergeable(checksum)) {
            return NOT_MERGEABLE_TCP;
        }
        return length - ipHeader - tcpHeader;
    }

    /**
     * The IP + TCP header length of a TCP packet with data whose lengths agree and whose checksum is right or partial
     * (whatever its flags: a GSO packet may carry PSH, FIN or CWR, which the kernel's segmentation places), or -1.
     */
    private static int superPacketHeader(ByteBuf buf, int ip, int length, InnerChecksum checksum) {
        if (!mergeable(checksum) || length < Ipv4.MIN_HEADER_LENGTH) {
            return -1;
        }
        int gsoType = Ip.version(buf, ip) == 4 ? VirtioNetHdr.GSO_TCPV4 : VirtioNetHdr.GSO_TCPV6;
        int header = TsoSplit.headerLength(buf, ip, length, gsoType);
        if (header < 0 || header >= length || (Tcp.flags(buf, Ip.l4Index(buf, ip)) & (Tcp.FLAG_SYN | Tcp.FLAG_RST)) != 0) {
            return -1;
        }
        return header;
    }

    /** Right, partial, or covered by a verified outer checksum: a checksum a merged packet may stand for. */
    private static boolean mergeable(InnerChecksum checksum) {
        return checksum == InnerChecksum.VALID || checksum == InnerChecksum.PARTIAL || checksum == InnerChecksum.COVERED;
    }

    /** Same addresses, ports and acknowledgement number. */
    private static boolean sameFlow(ByteBuf a, int ipA, ByteBuf b, int ipB) {
        if (!sameConnection(a, ipA, b, ipB)) {
            return false;
        }
        int tcpA = Ip.l4Index(a, ipA);
        int tcpB = Ip.l4Index(b, ipB);
        return a.getInt(tcpA + 8) == b.getInt(tcpB + 8);
    }

    /** Same IP version, addresses and TCP ports. */
    private static boolean sameConnection(ByteBuf a, int ipA, ByteBuf b, int ipB) {
        int version = Ip.version(a, ipA);
        if (version != Ip.version(b, ipB)) {
            return false;
        }
        int tcpA;
        int tcpB;
        if (version == 4) {
            if (a.getLong(ipA + 12) != b.getLong(ipB + 12)) {
                return false;
            }
            tcpA = ipA + Ipv4.headerLength(a, ipA);
            tcpB = ipB + Ipv4.headerLength(b, ipB);
        } else {
            for (int i = 8; i < Ipv6.HEADER_LENGTH; i += 8) {
                if (a.getLong(ipA + i) != b.getLong(ipB + i)) {
                    return false;
                }
            }
            tcpA = ipA + Ipv6.HEADER_LENGTH;
            tcpB = ipB + Ipv6.HEADER_LENGTH;
        }
        return a.getInt(tcpA) == b.getInt(tcpB);
    }

    private boolean canAppend(int r, ByteBuf buf, int ip, int header, int payload) {
        if (closed[r] || segments[r] == MAX_SEGMENTS || header != headerLength[r] || payload > gsoSize[r]
                || ipLength[r] + payload > MAX_IP_LENGTH) {
            return false;
        }
        ByteBuf h = head[r];
        int hIp = headIp[r];
        int ipHeader;
        if (Ip.version(buf, ip) == 4) {
            // TOS, then flags/fragment word, then TTL: everything but lengths, ID and checksum.
            if (h.getByte(hIp + 1) != buf.getByte(ip + 1) || h.getShort(hIp + 6) != buf.getShort(ip + 6)
                    || h.getByte(hIp + 8) != buf.getByte(ip + 8)) {
                return false;
            }
            ipHeader = Ipv4.MIN_HEADER_LENGTH;
        } else {
            if (h.getInt(hIp) != buf.getInt(ip) || h.getByte(hIp + 7) != buf.getByte(ip + 7)) {
                return false;
            }
            ipHeader = Ipv6.HEADER_LENGTH;
        }
        int hTcp = hIp + ipHeader;
        int tcp = ip + ipHeader;
        if (Tcp.sequence(buf, tcp) != nextSeq[r]) {
            return false;
        }
        // Data offset and window (the flags byte between them may differ in PSH only, checked on classification).
        if (h.getByte(hTcp + 12) != buf.getByte(tcp + 12) || h.getShort(hTcp + 14) != buf.getShort(tcp + 14)
                || h.getShort(hTcp + 18) != buf.getShort(tcp + 18)) {
            return false;
        }
        for (int i = Tcp.MIN_HEADER_LENGTH; i < header - ipHeader; i += 4) {
            if (h.getInt(hTcp + i) != buf.getInt(tcp + i)) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ runs

    private void start(ByteBuf buf, int ip, int header, int payload, boolean partial) {
        int r = active++;
        head[r] = buf;
        headPartial[r] = partial;
        headIp[r] = ip;
        headerLength[r] = header;
        gsoSize[r] = payload;
        segments[r] = 1;
        ipLength[r] = header + payload;
        int tcp = Ip.l4Index(buf, ip);
        nextSeq[r] = (Tcp.sequence(buf, tcp) + payload) & 0xFFFF_FFFFL;
        push[r] = (Tcp.flags(buf, tcp) & Tcp.FLAG_PSH) != 0;
        closed[r] = push[r];
        pieceBuf[r][0] = buf;
        pieceIndex[r][0] = ip - VirtioNetHdr.LENGTH;
        pieceLength[r][0] = VirtioNetHdr.LENGTH + header + payload;
    }

    private void append(int r, ByteBuf buf, int ip, int header, int payload) {
        int s = segments[r]++;
        pieceBuf[r][s] = buf;
        pieceIndex[r][s] = ip + header;
        pieceLength[r][s] = payload;
        ipLength[r] += payload;
        nextSeq[r] = (nextSeq[r] + payload) & 0xFFFF_FFFFL;
        boolean psh = (Tcp.flags(buf, Ip.l4Index(buf, ip)) & Tcp.FLAG_PSH) != 0;
        push[r] |= psh;
        closed[r] = psh || payload < gsoSize[r];
    }

    /** Writes every run of the TCP connection the packet at {@code ip} belongs to. */
    private void flushConnection(ByteBuf buf, int ip) {
        for (int r = 0; r < active; ) {
            if (sameConnection(head[r], headIp[r], buf, ip)) {
                flushRun(r);
            } else {
                r++;
            }
        }
    }

    private void flushRun(int r) {
        ByteBuf h = head[r];
        int ip = headIp[r];
        int n = segments[r];
        if (n == 1) {
            writeSingleHeader(h, ip, ipLength[r], headPartial[r]);
        } else {
            finishHead(r, h, ip);
            mergedPackets++;
            mergedSegments += n;
        }
        sink.write(pieceBuf[r], pieceIndex[r], pieceLength[r], n);
        remove(r);
    }

    /** New lengths, IPv4 header checksum, PSH, the pseudo-header sum in the TCP checksum, and the GSO header. */
    private void finishHead(int r, ByteBuf h, int ip) {
        int length = ipLength[r];
        int ipHeader;
        if (Ip.version(h, ip) == 4) {
            ipHeader = Ipv4.headerLength(h, ip);
            Ipv4.setTotalLength(h, ip, length);
            Ipv4.fillHeaderChecksum(h, ip);
        } else {
            ipHeader = Ipv6.HEADER_LENGTH;
            Ipv6.setPayloadLength(h, ip, length - ipHeader);
        }
        int tcp = ip + ipHeader;
        if (push[r]) {
            h.setByte(tcp + 13, Tcp.flags(h, tcp) | Tcp.FLAG_PSH);
        }
        writeGsoHeader(h, ip, length, ipHeader, headerLength[r], gsoSize[r]);
    }

    /**
     * A received super-packet, alone: its lengths and IP header are the sender's already, so only the checksum field
     * (the pseudo-header sum over its whole length, which a partial one holds already) and the GSO header are
     * written.
     */
    private void writeSuper(ByteBuf buf, int ip, int length, int ipHeader, int header) {
        writeGsoHeader(buf, ip, length, ipHeader, header, mtu - header);
        singleBuf[0] = buf;
        singleIndex[0] = ip - VirtioNetHdr.LENGTH;
        singleLength[0] = VirtioNetHdr.LENGTH + length;
        sink.write(singleBuf, singleIndex, singleLength, 1);
        singleBuf[0] = null;
        superPackets++;
    }

    /**
     * The pseudo-header sum in the TCP checksum field and a NEEDS_CSUM GSO header in front of the packet (ECN if it
     * carries CWR, as the kernel marks such a packet before it segments it).
     */
    private static void writeGsoHeader(ByteBuf h, int ip, int length, int ipHeader, int header, int gsoSize) {
        int gsoType;
        long pseudo;
        if (Ip.version(h, ip) == 4) {
            gsoType = VirtioNetHdr.GSO_TCPV4;
            pseudo = Checksum.pseudoHeaderV4(Ipv4.src(h, ip), Ipv4.dst(h, ip), Ip.PROTO_TCP, length - ipHeader);
        } else {
            gsoType = VirtioNetHdr.GSO_TCPV6;
            pseudo = Checksum.pseudoHeaderV6(Ipv6.srcHi(h, ip), Ipv6.srcLo(h, ip), Ipv6.dstHi(h, ip), Ipv6.dstLo(h, ip),
                    Ip.PROTO_TCP, length - ipHeader);
        }
        int tcp = ip + ipHeader;
        if ((Tcp.flags(h, tcp) & Tcp.FLAG_CWR) != 0) {
            gsoType |= VirtioNetHdr.GSO_ECN;
        }
        h.setShort(tcp + Tcp.CHECKSUM_OFFSET, OnesSum.fold(pseudo));
        VirtioNetHdr.write(h, ip - VirtioNetHdr.LENGTH, VirtioNetHdr.F_NEEDS_CSUM, gsoType, header, gsoSize, ipHeader,
                Tcp.CHECKSUM_OFFSET);
    }

    private void remove(int r) {
        int last = active - 1;
        for (int i = r; i < last; i++) {
            head[i] = head[i + 1];
            headIp[i] = headIp[i + 1];
            headerLength[i] = headerLength[i + 1];
            gsoSize[i] = gsoSize[i + 1];
            segments[i] = segments[i + 1];
            ipLength[i] = ipLength[i + 1];
            nextSeq[i] = nextSeq[i + 1];
            closed[i] = closed[i + 1];
            push[i] = push[i + 1];
            headPartial[i] = headPartial[i + 1];
            // Swap the piece arrays rather than copying their contents.
            ByteBuf[] b = pieceBuf[i];
            pieceBuf[i] = pieceBuf[i + 1];
            pieceBuf[i + 1] = b;
            int[] x = pieceIndex[i];
            pieceIndex[i] = pieceIndex[i + 1];
            pieceIndex[i + 1] = x;
            int[] l = pieceLength[i];
            pieceLength[i] = pieceLength[i + 1];
            pieceLength[i + 1] = l;
        }
        head[last] = null;
        active = last;
    }

    private void writeSingle(ByteBuf buf, int ip, int length, boolean partial) {
        writeSingleHeader(buf, ip, length, partial);
        singleBuf[0] = buf;
        singleIndex[0] = ip - VirtioNetHdr.LENGTH;
        singleLength[0] = VirtioNetHdr.LENGTH + length;
        sink.write(singleBuf, singleIndex, singleLength, 1);
        singleBuf[0] = null;
    }

    /** The virtio_net_hdr of a packet that goes out as it came: none, or NEEDS_CSUM for a partial checksum. */
    private static void writeSingleHeader(ByteBuf buf, int ip, int length, boolean partial) {
        if (!partial || !PartialChecksum.writeNeedsCsumHeader(buf, ip - VirtioNetHdr.LENGTH, ip, length)) {
            VirtioNetHdr.writeNone(buf, ip - VirtioNetHdr.LENGTH);
        }
    }
}
