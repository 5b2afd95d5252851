package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/**
 * A hash of the inner flow and the UDP source port made from it, so that ECMP and RSS on the underlay
 * spread flows while each flow keeps one path (no reordering).
 *
 * <p>The tuple is what Linux's flow dissector uses for {@code skb_get_hash}: addresses, protocol and, for TCP
 * and UDP, the ports; fragments (first or later) hash without ports, so all fragments of a datagram take the
 * same path. Other protocols (ICMP, ...) hash by addresses and protocol. The kernel seeds its hash randomly per
 * boot, so its exact values cannot be reproduced and need not be: only the port range and the mapping
 * ({@link #sourcePort}) are the kernel's.
 */
public final class FlowHash {
    /** The default {@code net.ipv4.ip_local_port_range} low end, used by a VXLAN device without {@code srcport}. */
    public static final int DEFAULT_MIN_PORT = 32768;
    /** The default high end of that range; exclusive here as in {@code udp_flow_src_port}. */
    public static final int DEFAULT_MAX_PORT = 60999;

    private static final long K1 = 0x9E37_79B9_7F4A_7C15L;
    private static final long K2 = 0xC2B2_AE3D_27D4_EB4FL;

    private FlowHash() {
    }

    /**
     * The flow hash of the IPv4 or IPv6 packet of {@code length} bytes at {@code ipIndex}; 0 for a packet that is
     * neither. Ports are read only when the packet holds them.
     */
    public static int ofPacket(ByteBuf buf, int ipIndex, int length) {
        int version = Ip.version(buf, ipIndex);
        if (version == 4 && length >= Ipv4.MIN_HEADER_LENGTH) {
            int protocol = Ipv4.protocol(buf, ipIndex);
            int l4 = Ipv4.headerLength(buf, ipIndex);
            int ports = hasPorts(protocol) && !Ipv4.isFragment(buf, ipIndex) && length >= l4 + 4
                    ? buf.getInt(ipIndex + l4) : 0;
            return hashV4(Ipv4.src(buf, ipIndex), Ipv4.dst(buf, ipIndex), protocol, ports);
        }
        if (version == 6 && length >= Ipv6.HEADER_LENGTH) {
            int protocol = Ipv6.nextHeader(buf, ipIndex);
            int ports = hasPorts(protocol) && length >= Ipv6.HEADER_LENGTH + 4
                    ? buf.getInt(ipIndex + Ipv6.HEADER_LENGTH) : 0;
            return hashV6(Ipv6.srcHi(buf, ipIndex), Ipv6.srcLo(buf, ipIndex), Ipv6.dstHi(buf, ipIndex),
                    Ipv6.dstLo(buf, ipIndex), protocol, ports);
        }
        return 0;
    }

    /** @param ports source port in the high 16 bits, destination port in the low 16 (as on the wire), or 0 */
    public static int hashV4(int src, int dst, int protocol, int ports) {
        long h = ((src & 0xFFFF_FFFFL) << 32 | (dst & 0xFFFF_FFFFL)) * K1;
        h = (h ^ ((long) protocol << 32 | (ports & 0xFFFF_FFFFL))) * K2;
        return finish(h);
    }

    public static int hashV6(long srcHi, long srcLo, long dstHi, long dstLo, int protocol, int ports) {
        long h = srcHi * K1;
        h = (h ^ srcLo) * K2;
        h = (h ^ dstHi) * K1;
        h = (h ^ dstLo) * K2;
        h = (h ^ ((long) protocol << 32 | (ports & 0xFFFF_FFFFL))) * K1;
        return finish(h);
    }

    /**
     * Maps a hash into {@code [min, max)} the way Linux {@code udp_flow_src_port} does: fold the low half into
     * the high half ({@code h ^= h << 16}, only the high bits matter below), then scale
     * {@code ((u64) h * (max - min)) >> 32} and add {@code min}.
     */
    public static int sourcePort(int hash, int min, int max) {
        int h = hash ^ (hash << 16);
        return (int) (((h & 0xFFFF_FFFFL) * (max - min)) >>> 32) + min;
    }

    /** {@link #sourcePort(int, int, int)} over the default range 32768-60999. */
    public static int sourcePort(int hash) {
        return sourcePort(hash, DEFAULT_MIN_PORT, DEFAULT_MAX_PORT);
    }

    private static boolean hasPorts(int protocol) {
        return protocol == Ip.PROTO_TCP || protocol == Ip.PROTO_UDP;
    }

    /** MurmurHash3's 64-bit finaliser, then xor the halves: every input bit affects the high 16 bits. */
    private static int finish(long h) {
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return (int) (h ^ (h >>> 32));
    }
}
