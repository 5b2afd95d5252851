package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.weft.dataplane.probe.EchoPackets;
import io.weft.dataplane.socket.OuterSender;
import io.weft.fdb.Peer;
import io.weft.fdb.Subnet;
import io.weft.vtep.Checksum;
import io.weft.vtep.Icmp;
import io.weft.vtep.Ipv4;
import io.weft.vtep.VxlanEncap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Answers another weft host's path probe ({@link EchoPackets#isPathProbeRequest}) in the data plane, back to the outer
 * address and port it came from rather than by the path we chose for that peer: two hosts that both still send to each
 * other's public address (which a VPC without hairpin NAT drops) thus find the private path between them, each from its
 * own probes. Rare (one per peer and path every probe interval), so a reply may allocate; the received buffer is only
 * read (it belongs to the batch receiver).
 */
final class PathEchoResponder {
    private final int ourVtep;
    private final long ourMac;
    private final int vni;
    private final ByteBufAllocator alloc;
    private final OuterSender sender;
    private final WorkerCounters counters;

    PathEchoResponder(int ourVtep, long ourMac, int vni, ByteBufAllocator alloc, OuterSender sender,
                      WorkerCounters counters) {
        this.ourVtep = ourVtep;
        this.ourMac = ourMac;
        this.vni = vni;
        this.alloc = alloc;
        this.sender = sender;
        this.counters = counters;
    }

    /**
     * If the packet at {@code ip} of {@code c} is a path probe from {@code peer}, sends the echo reply to
     * {@code senderAddress:senderPort} and returns true; otherwise false and nothing happens.
     */
    boolean answer(ByteBuf c, int ip, int ipLength, Peer peer, int senderAddress, int senderPort) {
        if (peer == null || !EchoPackets.isPathProbeRequest(c, ip, ipLength, ourVtep)) {
            return false;
        }
        int at = VxlanEncap.HEADROOM;
        ByteBuf reply = alloc.directBuffer(at + ipLength);
        reply.setBytes(at, c, ip, ipLength);
        int src = Ipv4.src(reply, at);
        Ipv4.setSrc(reply, at, ourVtep);
        Ipv4.setDst(reply, at, src);
        Ipv4.fillHeaderChecksum(reply, at);
        reply.setByte(at + Ipv4.headerLength(reply, at), Icmp.TYPE_ECHO_REPLY);
        reply.writerIndex(at + ipLength);
        Checksum.fillL4(reply, at);
        int start = VxlanEncap.encapsulate(reply, at, vni, ourMac, peer.vtepMacBits());
        reply.setIndex(start, at + ipLength);
        counters.increment(Counter.PATH_ECHO_REPLIES);
        sender.reply(reply, new InetSocketAddress(addressOf(senderAddress), senderPort));
        return true;
    }

    private static InetAddress addressOf(int ipv4) {
        try {
            return InetAddress.getByAddress(Subnet.intToBytes(ipv4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }
}
