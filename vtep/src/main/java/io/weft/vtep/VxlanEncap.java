package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/**
 * The transmit step of the data plane, per packet and in place: the worker reads an inner IP packet from the
 * TUN into a buffer at {@link #HEADROOM}, looks up the peer by {@link #innerDestinationV4} (or the V6 pair),
 * and {@link #encapsulate} writes VXLAN(8)+Ethernet(14) into the 22 bytes just before the packet. The UDP
 * payload is then {@code [returned index, ipIndex + ipLength)}; the outer UDP/IP headers are the socket's.
 *
 * <p>Nothing here assumes one buffer holds one packet: every call takes the index of the packet it is about.
 */
public final class VxlanEncap {
    /** VXLAN header plus inner Ethernet header: what encapsulation adds in front of the IP packet. */
    public static final int OVERHEAD = Vxlan.HEADER_LENGTH + Ethernet.HEADER_LENGTH;
    /**
     * Where the worker places the inner IP packet in its read buffer, the one headroom of the data plane. The code
     * needs {@link #OVERHEAD} (22) bytes for VXLAN + Ethernet, and, on a TUN with IFF_VNET_HDR, the 10-byte
     * virtio_net_hdr that the read puts just before the packet (12 bytes in its {@code num_buffers} form, which a
     * TUN uses once TUNSETVNETHDRSZ asks for it): 34 at most, which 32 does not hold. 64 holds both and starts the
     * IP header on a cache line when the buffer does; the 32 bytes more per read buffer cost nothing measurable.
     */
    public static final int HEADROOM = 64;

    private VxlanEncap() {
    }

    /**
     * Writes the VXLAN header (flags 0x08, {@code vni}) and the inner Ethernet header (dst = the peer's VtepMAC,
     * src = ours, EtherType from the IP version nibble) in the 22 bytes before {@code ipIndex}.
     *
     * @return the index where the UDP payload starts ({@code ipIndex - 22}), or -1, writing nothing, if the
     *         packet at {@code ipIndex} is neither IPv4 nor IPv6
     * @throws IndexOutOfBoundsException if {@code ipIndex < 22} (the caller reserves {@link #HEADROOM})
     */
    public static int encapsulate(ByteBuf buf, int ipIndex, int vni, long srcMacBits, long dstMacBits) {
        int etherType = Ethernet.etherTypeForIpVersion(Ip.version(buf, ipIndex));
        if (etherType < 0) {
            return -1;
        }
        int start = ipIndex - OVERHEAD;
        Vxlan.write(buf, start, vni);
        Ethernet.write(buf, start + Vxlan.HEADER_LENGTH, dstMacBits, srcMacBits, etherType);
        return start;
    }

    /**
     * Writes only the VXLAN header before an Ethernet frame the caller built (e.g. an ARP reply from
     * {@link VxlanDecap#writeArpReply}); returns the index where the UDP payload starts.
     */
    public static int encapsulateFrame(ByteBuf buf, int ethIndex, int vni) {
        int start = ethIndex - Vxlan.HEADER_LENGTH;
        Vxlan.write(buf, start, vni);
        return start;
    }

    /** The inner IPv4 destination (the table key). Valid when {@link Ip#version} is 4. */
    public static int innerDestinationV4(ByteBuf buf, int ipIndex) {
        return Ipv4.dst(buf, ipIndex);
    }

    /** High 64 bits of the inner IPv6 destination. Valid when {@link Ip#version} is 6. */
    public static long innerDestinationV6Hi(ByteBuf buf, int ipIndex) {
        return Ipv6.dstHi(buf, ipIndex);
    }

    /** Low 64 bits of the inner IPv6 destination. */
    public static long innerDestinationV6Lo(ByteBuf buf, int ipIndex) {
        return Ipv6.dstLo(buf, ipIndex);
    }

    /** The outer UDP source port for the inner packet: its flow hash mapped into {@code [minPort, maxPort)}. */
    public static int sourcePort(ByteBuf buf, int ipIndex, int ipLength, int minPort, int maxPort) {
        return FlowHash.sourcePort(FlowHash.ofPacket(buf, ipIndex, ipLength), minPort, maxPort);
    }

    /**
     * The outer TOS/traffic class a Linux VXLAN device with {@code tos 0} (flannel's setting) sends: DSCP 0 and
     * the inner ECN copied (RFC 6040 normal mode), except that CE becomes ECT(0).
     */
    public static int outerTrafficClass(ByteBuf buf, int ipIndex) {
        int ecn = Ip.trafficClass(buf, ipIndex) & 0x03;
        return ecn == 0x03 ? 0x02 : ecn;
    }
}
