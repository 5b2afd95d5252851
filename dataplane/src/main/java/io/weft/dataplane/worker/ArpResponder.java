package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.weft.vtep.Ethernet;
import io.weft.vtep.MacAddress;
import io.weft.vtep.Vxlan;

/**
 * Answers an ARP request for our VTEP address with our VtepMAC, so that a peer which does ARP (proxy or learning
 * setups) can resolve us. flannel peers never ARP (static neighbour entries), so this is rare and may allocate.
 */
final class ArpResponder {
    private static final int ARP_LENGTH = 28;
    private static final int OP_REQUEST = 1;
    private static final int OP_REPLY = 2;

    private ArpResponder() {
    }

    /**
     * The encapsulated reply (VXLAN + Ethernet + ARP, readable from its reader index), or null if the ARP at
     * {@code arp} is not an Ethernet/IPv4 request for {@code ourIp}.
     */
    static ByteBuf replyFor(ByteBuf in, int arp, int end, int ourIp, long ourMac, int vni, ByteBufAllocator alloc, int headroom) {
        if (end - arp < ARP_LENGTH || in.getUnsignedShort(arp) != 1 || in.getUnsignedShort(arp + 2) != Ethernet.TYPE_IPV4
                || in.getUnsignedByte(arp + 4) != 6 || in.getUnsignedByte(arp + 5) != 4
                || in.getUnsignedShort(arp + 6) != OP_REQUEST || in.getInt(arp + 24) != ourIp) {
            return null;
        }
        long senderMac = MacAddress.readBits(in, arp + 8);
        int senderIp = in.getInt(arp + 14);
        int size = Vxlan.HEADER_LENGTH + Ethernet.HEADER_LENGTH + ARP_LENGTH;
        ByteBuf out = alloc.directBuffer(headroom + size);
        int at = headroom;
        Vxlan.write(out, at, vni);
        Ethernet.write(out, at + Vxlan.HEADER_LENGTH, senderMac, ourMac, Ethernet.TYPE_ARP);
        int a = at + Vxlan.HEADER_LENGTH + Ethernet.HEADER_LENGTH;
        out.setShort(a, 1);
        out.setShort(a + 2, Ethernet.TYPE_IPV4);
        out.setByte(a + 4, 6);
        out.setByte(a + 5, 4);
        out.setShort(a + 6, OP_REPLY);
        MacAddress.writeBits(out, a + 8, ourMac);
        out.setInt(a + 14, ourIp);
        MacAddress.writeBits(out, a + 18, senderMac);
        out.setInt(a + 24, senderIp);
        out.setIndex(at, at + size);
        return out;
    }
}
