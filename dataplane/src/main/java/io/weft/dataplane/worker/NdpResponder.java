package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.weft.dataplane.socket.OuterSender;
import io.weft.fdb.Peer;
import io.weft.vtep.Ndp;
import io.weft.vtep.VxlanEncap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Answers an IPv6 Neighbour Solicitation for our IPv6 VTEP address that arrived over the IPv6 underlay: the
 * {@link ArpResponder} of {@code flannel-v6.<VNI>}. Rare (flanneld programs its peers' neighbour entries from the
 * lease, permanent, so a kernel peer never solicits), so a reply may allocate.
 */
final class NdpResponder {
    private final long ourHi;
    private final long ourLo;
    private final long ourMac;
    private final int vni;
    private final int port;
    private final ByteBufAllocator alloc;
    private final OuterSender sender;
    private final WorkerCounters counters;

    /**
     * @param ourHi  high 64 bits of our IPv6 VTEP address
     * @param ourLo  low 64 bits of it
     * @param ourMac our IPv6 VtepMAC, as bits
     * @param sender the worker's IPv6 socket
     */
    NdpResponder(long ourHi, long ourLo, long ourMac, int vni, int port, ByteBufAllocator alloc, OuterSender sender,
                 WorkerCounters counters) {
        this.ourHi = ourHi;
        this.ourLo = ourLo;
        this.ourMac = ourMac;
        this.vni = vni;
        this.port = port;
        this.alloc = alloc;
        this.sender = sender;
        this.counters = counters;
    }

    /**
     * The Neighbour Solicitation in the {@code length}-byte Ethernet frame at {@code eth} of {@code c} came from
     * {@code senderHi:senderLo} ({@code peer}, or null if unknown): answered back to the sender's VXLAN port if it
     * asks for our address, counted in {@code drop_ndp_ignored} otherwise.
     */
    void answer(ByteBuf c, int eth, int length, Peer peer, long senderHi, long senderLo) {
        if (!Ndp.isSolicitationFor(c, eth, length, ourHi, ourLo)) {
            counters.increment(Counter.DROP_NDP_IGNORED);
            return;
        }
        int at = VxlanEncap.HEADROOM;
        ByteBuf reply = alloc.directBuffer(at + Ndp.ADVERTISEMENT_FRAME_LENGTH);
        int frameLength = Ndp.writeAdvertisement(reply, at, c, eth, ourMac);
        int start = VxlanEncap.encapsulateFrame(reply, at, vni);
        reply.setIndex(start, at + frameLength);
        InetSocketAddress to = peer != null ? peer.endpointV6() : new InetSocketAddress(addressOf(senderHi, senderLo), port);
        counters.increment(Counter.NDP_REPLIES);
        sender.reply(reply, to);
    }

    private static InetAddress addressOf(long hi, long lo) {
        byte[] b = java.nio.ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // sixteen bytes are always an address
        }
    }
}
