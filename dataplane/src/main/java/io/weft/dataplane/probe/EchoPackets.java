package io.weft.dataplane.probe;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.vtep.Checksum;
import io.weft.vtep.Icmp;
import io.weft.vtep.Icmpv6;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Ipv6;

/**
 * The ICMP echo packets of the reachability probes: from our VTEP address {@code <subnet>.0} to a peer's, with our
 * identifier and a payload that starts with {@link #MAGIC}, so that a {@code ping} someone runs on the host between the
 * same addresses is never mistaken for a probe (its payload differs) and is passed to the kernel as usual. The IPv6
 * probes are the same as ICMPv6 echoes between the IPv6 VTEP addresses {@code <IPv6 subnet>::}.
 */
public final class EchoPackets {
    /** "weftprob": the first 8 bytes of every probe payload. */
    public static final long MAGIC = 0x7765_6674_7072_6f62L;
    /**
     * "weftpath": the first 8 bytes of a path probe, sent to one of a weft peer's candidate addresses. The peer's data
     * plane answers it itself, back to the address and port it came from ({@link #isPathProbeRequest}), so the probe
     * measures that path both ways, whatever path the peer has chosen for its own traffic to us.
     */
    public static final long PATH_MAGIC = 0x7765_6674_7061_7468L;
    /** Payload: magic + 8 bytes of padding, 56 bytes in all like ping's default. */
    public static final int PAYLOAD_LENGTH = 56;
    public static final int LENGTH = Ipv4.MIN_HEADER_LENGTH + Icmp.HEADER_LENGTH + PAYLOAD_LENGTH;
    public static final int LENGTH_V6 = Ipv6.HEADER_LENGTH + Icmpv6.HEADER_LENGTH + PAYLOAD_LENGTH;
    private static final int TTL = 64;

    private EchoPackets() {
    }

    /** An echo request, IPv4 header and ICMP checksums filled in. */
    public static byte[] request(int srcVtep, int dstVtep, int identifier, int sequence) {
        return request(srcVtep, dstVtep, identifier, sequence, MAGIC);
    }

    /** A path probe: as {@link #request(int, int, int, int)} with {@link #PATH_MAGIC}. */
    public static byte[] pathRequest(int srcVtep, int dstVtep, int identifier, int sequence) {
        return request(srcVtep, dstVtep, identifier, sequence, PATH_MAGIC);
    }

    private static byte[] request(int srcVtep, int dstVtep, int identifier, int sequence, long magic) {
        ByteBuf b = Unpooled.buffer(LENGTH, LENGTH);
        Ipv4.write(b, 0, 0, LENGTH, sequence, 0, TTL, Ip.PROTO_ICMP, srcVtep, dstVtep);
        return finish(b, Ipv4.MIN_HEADER_LENGTH, Icmp.TYPE_ECHO_REQUEST, identifier, sequence, magic);
    }

    /** An ICMPv6 echo request from our IPv6 VTEP address to a peer's, its checksum (over the pseudo-header) filled in. */
    public static byte[] requestV6(long srcHi, long srcLo, long dstHi, long dstLo, int identifier, int sequence) {
        ByteBuf b = Unpooled.buffer(LENGTH_V6, LENGTH_V6);
        Ipv6.write(b, 0, 0, 0, LENGTH_V6 - Ipv6.HEADER_LENGTH, Ip.PROTO_ICMPV6, TTL, srcHi, srcLo, dstHi, dstLo);
        return finish(b, Ipv6.HEADER_LENGTH, Icmpv6.TYPE_ECHO_REQUEST, identifier, sequence, MAGIC);
    }

    /** The echo header at {@code icmp}, the payload, the L4 checksum; the packet as bytes. */
    private static byte[] finish(ByteBuf b, int icmp, int type, int identifier, int sequence, long magic) {
        Icmp.writeEcho(b, icmp, type, identifier, sequence);
        b.setLong(icmp + Icmp.HEADER_LENGTH, magic);
        for (int i = 8; i < PAYLOAD_LENGTH; i++) {
            b.setByte(icmp + Icmp.HEADER_LENGTH + i, i);
        }
        Checksum.fillL4(b, 0);
        byte[] out = new byte[b.capacity()];
        b.getBytes(0, out);
        return out;
    }

    /**
     * True if the IPv4 packet at {@code ip} is an echo reply to one of our probes: ICMP, addressed to {@code ourVtep},
     * type 0, our identifier, our magic. Reads only; allocates nothing.
     */
    public static boolean isProbeReply(ByteBuf buf, int ip, int ipLength, int ourVtep, int identifier) {
        if (ipLength < Ipv4.MIN_HEADER_LENGTH || Ipv4.version(buf, ip) != 4 || Ipv4.protocol(buf, ip) != Ip.PROTO_ICMP
                || Ipv4.dst(buf, ip) != ourVtep || Ipv4.isFragment(buf, ip)) {
            return false;
        }
        int icmp = ip + Ipv4.headerLength(buf, ip);
        if (icmp + Icmp.HEADER_LENGTH + 8 > ip + ipLength) {
            return false;
        }
        long magic = buf.getLong(icmp + Icmp.HEADER_LENGTH);
        return Icmp.type(buf, icmp) == Icmp.TYPE_ECHO_REPLY && Icmp.id(buf, icmp) == identifier
                && (magic == MAGIC || magic == PATH_MAGIC);
    }

    /**
     * True if the IPv6 packet at {@code ip} is an ICMPv6 echo reply to one of our IPv6 probes: next header ICMPv6 (no
     * extension headers), addressed to our IPv6 VTEP {@code ourHi:ourLo}, type 129, our identifier, our magic. Reads
     * only; allocates nothing.
     */
    public static boolean isProbeReplyV6(ByteBuf buf, int ip, int ipLength, long ourHi, long ourLo, int identifier) {
        int icmp = ip + Ipv6.HEADER_LENGTH;
        if (ipLength < Ipv6.HEADER_LENGTH + Icmpv6.HEADER_LENGTH + 8 || Ipv6.version(buf, ip) != 6
                || Ipv6.nextHeader(buf, ip) != Ip.PROTO_ICMPV6 || Ipv6.dstHi(buf, ip) != ourHi || Ipv6.dstLo(buf, ip) != ourLo) {
            return false;
        }
        return Icmp.type(buf, icmp) == Icmpv6.TYPE_ECHO_REPLY && Icmp.id(buf, icmp) == identifier
                && buf.getLong(icmp + Icmpv6.HEADER_LENGTH) == MAGIC;
    }

    /** The sequence number of the ICMPv6 echo at {@code ip} (no extension headers). */
    public static int sequenceV6(ByteBuf buf, int ip) {
        return Icmp.sequence(buf, ip + Ipv6.HEADER_LENGTH);
    }

    /**
     * True if the IPv4 packet at {@code ip} is another weft host's path probe to {@code ourVtep}: an unfragmented
     * ICMP echo request whose payload starts with {@link #PATH_MAGIC}. Reads only; allocates nothing.
     */
    public static boolean isPathProbeRequest(ByteBuf buf, int ip, int ipLength, int ourVtep) {
        if (ipLength < Ipv4.MIN_HEADER_LENGTH || Ipv4.version(buf, ip) != 4 || Ipv4.protocol(buf, ip) != Ip.PROTO_ICMP
                || Ipv4.dst(buf, ip) != ourVtep || Ipv4.isFragment(buf, ip)) {
            return false;
        }
        int icmp = ip + Ipv4.headerLength(buf, ip);
        return icmp + Icmp.HEADER_LENGTH + 8 <= ip + ipLength && Icmp.type(buf, icmp) == Icmp.TYPE_ECHO_REQUEST
                && buf.getLong(icmp + Icmp.HEADER_LENGTH) == PATH_MAGIC;
    }

    /** The sequence number of the echo at {@code ip}. */
    public static int sequence(ByteBuf buf, int ip) {
        return Icmp.sequence(buf, ip + Ipv4.headerLength(buf, ip));
    }
}
