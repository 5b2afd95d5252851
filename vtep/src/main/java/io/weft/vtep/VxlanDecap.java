package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/**
 * The wire checks of the receive path, in the order Linux's {@code vxlan_rcv} applies them, each failure
 * named by a {@link DecapDrop}. Checks that need the forwarding table (is the sender a known VTEP, is the
 * inner destination in our subnet) belong to the worker, which has the table.
 */
public final class VxlanDecap {
    private static final long BROADCAST = MacAddress.BROADCAST.bits();
    /** Ethernet + ARP reply: what {@link #writeArpReply} writes. */
    public static final int ARP_REPLY_LENGTH = Ethernet.HEADER_LENGTH + Arp.LENGTH;

    private VxlanDecap() {
    }

    /**
     * Checks the VXLAN frame of {@code length} bytes (the UDP payload) at {@code index}.
     *
     * @param ourMacBits our VtepMAC ({@link MacAddress#bits()})
     * @return the index of the inner IP packet (≥ 0; its length is {@link Ip#packetLength}, which may be less
     *         than the frame holds if the sender padded it), or a negative {@link DecapDrop#code()};
     *         {@link DecapDrop#ARP} means an ARP frame addressed to us or broadcast, whose Ethernet header is at
     *         {@code index + 8}
     */
    public static int check(ByteBuf buf, int index, int length, int vni, long ourMacBits) {
        if (length < VxlanEncap.OVERHEAD) {
            return DecapDrop.TOO_SHORT.code();
        }
        int first = buf.getInt(index);
        if ((first >>> 24) != Vxlan.FLAG_I) {
            return DecapDrop.BAD_FLAGS.code();
        }
        int second = buf.getInt(index + 4);
        if ((first & 0xFF_FFFF) != 0 || (second & 0xFF) != 0) {
            return DecapDrop.RESERVED_BITS.code();
        }
        if ((second >>> 8) != (vni & Vxlan.MAX_VNI)) {
            return DecapDrop.WRONG_VNI.code();
        }
        int eth = index + Vxlan.HEADER_LENGTH;
        if (Ethernet.srcMac(buf, eth) == ourMacBits) {
            return DecapDrop.LOOP.code();
        }
        long dst = Ethernet.dstMac(buf, eth);
        int etherType = Ethernet.etherType(buf, eth);
        if (etherType == Ethernet.TYPE_ARP) {
            if (dst != ourMacBits && dst != BROADCAST) {
                return DecapDrop.NOT_OUR_MAC.code();
            }
            return length < VxlanEncap.OVERHEAD + Arp.LENGTH ? DecapDrop.TOO_SHORT.code() : DecapDrop.ARP.code();
        }
        if (dst != ourMacBits) {
            return DecapDrop.NOT_OUR_MAC.code();
        }
        int ip = index + VxlanEncap.OVERHEAD;
        int ipSpace = length - VxlanEncap.OVERHEAD;
        if (etherType == Ethernet.TYPE_IPV4) {
            return ipv4Consistent(buf, ip, ipSpace) ? ip : DecapDrop.BAD_IP.code();
        }
        if (etherType == Ethernet.TYPE_IPV6) {
            return ipv6Consistent(buf, ip, ipSpace) ? ip : DecapDrop.BAD_IP.code();
        }
        return DecapDrop.BAD_ETHERTYPE.code();
    }

    private static boolean ipv4Consistent(ByteBuf buf, int ip, int space) {
        if (space < Ipv4.MIN_HEADER_LENGTH || Ipv4.version(buf, ip) != 4) {
            return false;
        }
        int headerLength = Ipv4.headerLength(buf, ip);
        int totalLength = Ipv4.totalLength(buf, ip);
        return headerLength >= Ipv4.MIN_HEADER_LENGTH && totalLength >= headerLength && totalLength <= space;
    }

    private static boolean ipv6Consistent(ByteBuf buf, int ip, int space) {
        return space >= Ipv6.HEADER_LENGTH && Ipv6.version(buf, ip) == 6
                && Ipv6.HEADER_LENGTH + Ipv6.payloadLength(buf, ip) <= space;
    }

    /**
     * True if the Ethernet frame at {@code ethIndex} (as {@link #check} returned {@link DecapDrop#ARP} for) is
     * an Ethernet/IPv4 ARP request asking for {@code ourIp}.
     */
    public static boolean isArpRequestFor(ByteBuf buf, int ethIndex, int ourIp) {
        int arp = ethIndex + Ethernet.HEADER_LENGTH;
        return Ethernet.etherType(buf, ethIndex) == Ethernet.TYPE_ARP
                && Arp.isEthernetIpv4(buf, arp)
                && Arp.operation(buf, arp) == Arp.OP_REQUEST
                && Arp.targetIp(buf, arp) == ourIp;
    }

    /**
     * Writes, at {@code index} of {@code out}, the Ethernet frame answering an ARP request: Ethernet from us
     * to the requester, ARP reply "ourIp is at ourMac" addressed to the requester's MAC and IP. Send it with
     * {@link VxlanEncap#encapsulateFrame} in front. Returns {@link #ARP_REPLY_LENGTH}.
     */
    public static int writeArpReply(ByteBuf out, int index, long ourMac, int ourIp, long requesterMac, int requesterIp) {
        Ethernet.write(out, index, requesterMac, ourMac, Ethernet.TYPE_ARP);
        Arp.write(out, index + Ethernet.HEADER_LENGTH, Arp.OP_REPLY, ourMac, ourIp, requesterMac, requesterIp);
        return ARP_REPLY_LENGTH;
    }

    /** {@link #writeArpReply(ByteBuf, int, long, int, long, int)} for the request frame at {@code requestEthIndex}. */
    public static int writeArpReply(ByteBuf out, int index, ByteBuf request, int requestEthIndex, long ourMac, int ourIp) {
        int arp = requestEthIndex + Ethernet.HEADER_LENGTH;
        return writeArpReply(out, index, ourMac, ourIp, Arp.senderMac(request, arp), Arp.senderIp(request, arp));
    }
}
