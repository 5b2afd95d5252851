package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.weft.dataplane.socket.OuterSender;
import io.weft.dataplane.tun.TunPacketHandler;
import io.weft.fdb.Peer;
import io.weft.fdb.PublishedTable;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Ipv6;
import io.weft.vtep.VxlanEncap;

/**
 * The transmit decisions for the plain IP packets a TUN queue reads: the peer whose subnet holds the destination,
 * the peer's VtepMAC for the inner Ethernet header, the VXLAN + Ethernet header written in front of each packet, the
 * counts, and the hand-over to the {@link OuterSender}. Pure logic over a buffer, the table and the counters: it
 * knows neither the TUN nor the socket, so a test drives it with any buffer and a fake sender.
 */
public final class Encapsulator implements TunPacketHandler {
    private static final int OVERHEAD = VxlanEncap.OVERHEAD;

    private final PublishedTable table;
    private final OuterSender sender;
    private final WorkerCounters counters;
    private final int vni;
    private final long ourMac;

    public Encapsulator(PublishedTable table, OuterSender sender, WorkerCounters counters, int vni, long ourMac) {
        this.table = table;
        this.sender = sender;
        this.counters = counters;
        this.vni = vni;
        this.ourMac = ourMac;
    }

    /** Writes the headers in front of the packet and queues that very buffer. */
    @Override
    public boolean packet(ByteBuf buf, int ip, int length) {
        Peer peer = route(buf, ip, length);
        if (peer == null || !sender.writable()) {
            return false;
        }
        int start = VxlanEncap.encapsulate(buf, ip, vni, ourMac, dstMac(peer, buf, ip));
        buf.setIndex(start, ip + length);
        counters.countTx(peer.endpointV4(), 1, length);
        sender.send(buf, peer);
        return true;
    }

    /**
     * As {@link #packet}, but sent at once to {@code via} instead of the path the peer uses now: a probe of one of the
     * peer's candidate paths. Off the hot path (a few per peer every probe interval).
     */
    public boolean packetVia(ByteBuf buf, int ip, int length, java.net.InetSocketAddress via) {
        Peer peer = frame(buf, ip, length);
        if (peer == null) {
            return false;
        }
        sender.reply(buf, via);
        return true;
    }

    /**
     * Writes the headers in front of the packet and leaves the frame as {@code buf}'s readable bytes, sending nothing;
     * returns the peer it is for, or null (counted, and the buffer untouched). Off the hot path (a probe over TCP).
     */
    public Peer frame(ByteBuf buf, int ip, int length) {
        Peer peer = route(buf, ip, length);
        if (peer != null) {
            int start = VxlanEncap.encapsulate(buf, ip, vni, ourMac, dstMac(peer, buf, ip));
            buf.setIndex(start, ip + length);
        }
        return peer;
    }

    /** Routes a super-packet's segments once (they share a flow), heads each, and queues them as one batch. */
    @Override
    public boolean segments(ByteBuf buf, int count, int stride) {
        int total = buf.writerIndex();
        Peer peer = route(buf, OVERHEAD, Math.min(stride, total) - OVERHEAD);
        if (peer == null || !sender.writable()) {
            return false;
        }
        long dstMac = dstMac(peer, buf, OVERHEAD);
        for (int at = 0; at < total; at += stride) {
            VxlanEncap.encapsulate(buf, at + OVERHEAD, vni, ourMac, dstMac);
        }
        counters.increment(Counter.TX_SUPER_PACKETS);
        counters.countTx(peer.endpointV4(), count, total - count * OVERHEAD);
        sender.sendSegments(buf, count, stride, peer);
        return true;
    }

    /** The peer whose subnet holds the packet's destination, or null (counted). */
    private Peer route(ByteBuf buf, int ip, int length) {
        int version = Ip.version(buf, ip);
        Peer peer;
        if (version == 4 && length >= Ipv4.MIN_HEADER_LENGTH) {
            peer = table.current().lookupV4(VxlanEncap.innerDestinationV4(buf, ip));
        } else if (version == 6 && length >= Ipv6.HEADER_LENGTH) {
            peer = table.current().lookupV6(VxlanEncap.innerDestinationV6Hi(buf, ip),
                    VxlanEncap.innerDestinationV6Lo(buf, ip));
        } else {
            counters.increment(Counter.DROP_NOT_IP);
            return null;
        }
        if (peer == null) {
            counters.increment(Counter.DROP_NO_ROUTE);
        }
        return peer;
    }

    private static long dstMac(Peer peer, ByteBuf buf, int ip) {
        if (Ip.version(buf, ip) == 6 && peer.v6VtepMac() != null) {
            return peer.v6VtepMac().bits();
        }
        return peer.vtepMacBits();
    }
}
