package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.weft.dataplane.socket.OuterSender;
import io.weft.fdb.Peer;
import io.weft.fdb.Subnet;
import io.weft.vtep.VxlanDecap;
import io.weft.vtep.VxlanEncap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Answers an ARP request for our VTEP address that arrived over VXLAN. Rare (flannel peers never ARP: they are
 * programmed with our VtepMAC), so a reply may allocate.
 */
final class ArpResponder {
    private final int ourIp;
    private final long ourMac;
    private final int vni;
    private final int port;
    private final ByteBufAllocator alloc;
    private final OuterSender sender;
    private final WorkerCounters counters;

    ArpResponder(int ourIp, long ourMac, int vni, int port, ByteBufAllocator alloc, OuterSender sender,
                 WorkerCounters counters) {
        this.ourIp = ourIp;
        this.ourMac = ourMac;
        this.vni = vni;
        this.port = port;
        this.alloc = alloc;
        this.sender = sender;
        this.counters = counters;
    }

    /**
     * The ARP frame at {@code eth} of {@code c} came from {@code senderAddress} ({@code peer}, or null if unknown):
     * replies to the sender's VXLAN port if it asks for our address, counts it as ignored otherwise.
     */
    void answer(ByteBuf c, int eth, Peer peer, int senderAddress) {
        if (!VxlanDecap.isArpRequestFor(c, eth, ourIp)) {
            counters.increment(Counter.DROP_ARP_IGNORED);
            return;
        }
        int at = VxlanEncap.HEADROOM;
        ByteBuf reply = alloc.directBuffer(at + VxlanDecap.ARP_REPLY_LENGTH);
        VxlanDecap.writeArpReply(reply, at, c, eth, ourMac, ourIp);
        int start = VxlanEncap.encapsulateFrame(reply, at, vni);
        reply.setIndex(start, at + VxlanDecap.ARP_REPLY_LENGTH);
        InetSocketAddress to = peer != null ? peer.endpoint() : new InetSocketAddress(addressOf(senderAddress), port);
        counters.increment(Counter.ARP_REPLIES);
        sender.reply(reply, to);
    }

    private static InetAddress addressOf(int ipv4) {
        try {
            return InetAddress.getByAddress(Subnet.intToBytes(ipv4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }
}
