package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/** The 28-byte ARP packet for Ethernet and IPv4 (RFC 826) at an index. */
public final class Arp {
    public static final int LENGTH = 28;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;
    private static final int HTYPE_ETHERNET = 1;
    /** htype(2) ptype(2) hlen(1) plen(1) as one int, for Ethernet/IPv4. */
    private static final int ETHERNET_IPV4_PREAMBLE = HTYPE_ETHERNET << 16 | Ethernet.TYPE_IPV4;
    private static final int ETHERNET_IPV4_LENGTHS = MacAddress.LENGTH << 8 | 4;

    private Arp() {
    }

    /** True if the packet is ARP for Ethernet hardware and IPv4 protocol addresses (the only kind we answer). */
    public static boolean isEthernetIpv4(ByteBuf buf, int index) {
        return buf.getInt(index) == ETHERNET_IPV4_PREAMBLE && buf.getUnsignedShort(index + 4) == ETHERNET_IPV4_LENGTHS;
    }

    public static int operation(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 6);
    }

    public static long senderMac(ByteBuf buf, int index) {
        return MacAddress.readBits(buf, index + 8);
    }

    public static int senderIp(ByteBuf buf, int index) {
        return buf.getInt(index + 14);
    }

    public static long targetMac(ByteBuf buf, int index) {
        return MacAddress.readBits(buf, index + 18);
    }

    public static int targetIp(ByteBuf buf, int index) {
        return buf.getInt(index + 24);
    }

    /** Writes a complete Ethernet/IPv4 ARP packet. */
    public static void write(ByteBuf buf, int index, int operation, long senderMac, int senderIp, long targetMac,
                             int targetIp) {
        buf.setInt(index, ETHERNET_IPV4_PREAMBLE);
        buf.setShort(index + 4, ETHERNET_IPV4_LENGTHS);
        buf.setShort(index + 6, operation);
        MacAddress.writeBits(buf, index + 8, senderMac);
        buf.setInt(index + 14, senderIp);
        MacAddress.writeBits(buf, index + 18, targetMac);
        buf.setInt(index + 24, targetIp);
    }
}
