package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/** The 14-byte Ethernet II header carried inside VXLAN: dst(6) src(6) EtherType(2); no VLAN tag, no FCS. */
public final class Ethernet {
    public static final int HEADER_LENGTH = 14;
    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    public static final int TYPE_IPV6 = 0x86DD;

    private Ethernet() {
    }

    public static void write(ByteBuf buf, int index, long dstMac, long srcMac, int etherType) {
        MacAddress.writeBits(buf, index, dstMac);
        MacAddress.writeBits(buf, index + 6, srcMac);
        buf.setShort(index + 12, etherType);
    }

    public static long dstMac(ByteBuf buf, int index) {
        return MacAddress.readBits(buf, index);
    }

    public static long srcMac(ByteBuf buf, int index) {
        return MacAddress.readBits(buf, index + 6);
    }

    public static int etherType(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 12);
    }

    /** The EtherType for an IP packet whose first nibble is {@code version}, or -1 if it is neither 4 nor 6. */
    public static int etherTypeForIpVersion(int version) {
        return version == 4 ? TYPE_IPV4 : version == 6 ? TYPE_IPV6 : -1;
    }
}
