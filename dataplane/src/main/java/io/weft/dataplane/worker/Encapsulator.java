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
    private final OuterSender senderV6;
    private final WorkerCounters counters;
    private final int vni;
    private final long ourMac;
    private final long ourMacV6;
    /** What was queued since the last {@link #flush()}, per socket. */
    private boolean queuedV4;
    private boolean queuedV6;

    public Encapsulator(PublishedTable table, OuterSender sender, WorkerCounters counters, int vni, long ourMac) {
        this(table, sender, null, counters, vni, ourMac, 0);
    }

    /**
     * With an IPv6 overlay: IPv6 packets leave on {@code senderV6} (the worker's AF_INET6 socket) to the peer's
     * PublicIPv6, from our IPv6 VtepMAC {@code ourMacV6} to the peer's; IPv4 packets as before.
     *
     * @param sender   the IPv4 socket, or null for an IPv6-only host, which has no IPv4 underlay (IPv4 packets are then
     *                 no_route)
     * @param senderV6 the IPv6 socket, or null for a host without an IPv6 overlay (IPv6 packets are then no_route)
     */
    public Encapsulator(PublishedTable table, OuterSender sender, OuterSender senderV6, WorkerCounters counters, int vni,
                        long ourMac, long ourMacV6) {
        this.table = table;
        this.sender = sender;
        this.senderV6 = senderV6;
        this.counters = counters;
        this.vni = vni;
        this.ourMac = ourMac;
        this.ourMacV6 = ourMacV6;
    }

    /** Writes the headers in front of the packet and queues that very buffer. */
    @Override
    public boolean packet(ByteBuf buf, int ip, int length) {
        Peer peer = route(buf, ip, length);
        if (peer == null) {
            return false;
        }
        boolean v6 = Ip.version(buf, ip) == 6;
        OuterSender out = v6 ? senderV6 : sender;
        if (!out.writable()) {
            return false;
        }
        int start = v6 ? VxlanEncap.encapsulate(buf, ip, vni, ourMacV6, peer.v6VtepMacBits())
                : VxlanEncap.encapsulate(buf, ip, vni, ourMac, peer.vtepMacBits());
        buf.setIndex(start, ip + length);
        counters.countTx(peer.endpointV4(), 1, length);
        out.send(buf, peer);
        queued(v6);
        return true;
    }

    /** Sends what was queued since the last call: one flush per socket that was given something. */
    public void flush() {
        if (queuedV4) {
            queuedV4 = false;
            sender.flush();
        }
        if (queuedV6) {
            queuedV6 = false;
            senderV6.flush();
        }
    }

    private void queued(boolean v6) {
        if (v6) {
            queuedV6 = true;
        } else {
            queuedV4 = true;
        }
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
     * returns the peer it is for, or null (no route, counted; or not IPv4), the buffer then untouched. Off the hot path (a
     * probe, over UDP or TCP).
     */
    public Peer frame(ByteBuf buf, int ip, int length) {
        Peer peer = route(buf, ip, length);
        if (peer == null || Ip.version(buf, ip) != 4) { // (probes are IPv4: the prober's paths are IPv4 paths)
            return null;
        }
        int start = VxlanEncap.encapsulate(buf, ip, vni, ourMac, peer.vtepMacBits());
        buf.setIndex(start, ip + length);
        return peer;
    }

    /** Routes a super-packet's segments once (they share a flow), heads each, and queues them as one batch. */
    @Override
    public boolean segments(ByteBuf buf, int count, int stride) {
        int total = buf.writerIndex();
        Peer peer = route(buf, OVERHEAD, Math.min(stride, total) - OVERHEAD);
        if (peer == null) {
            return false;
        }
        boolean v6 = Ip.version(buf, OVERHEAD) == 6;
        OuterSender out = v6 ? senderV6 : sender;
        if (!out.writable()) {
            return false;
        }
        long srcMac = v6 ? ourMacV6 : ourMac;
        long dstMac = v6 ? peer.v6VtepMacBits() : peer.vtepMacBits();
        for (int at = 0; at < total; at += stride) {
            VxlanEncap.encapsulate(buf, at + OVERHEAD, vni, srcMac, dstMac);
        }
        counters.increment(Counter.TX_SUPER_PACKETS);
        counters.countTx(peer.endpointV4(), count, total - count * OVERHEAD);
        out.sendSegments(buf, count, stride, peer);
        queued(v6);
        return true;
    }

    /**
     * The peer whose subnet holds the packet's destination, or null (counted). An IPv6 peer is one whose IPv6 subnet,
     * IPv6 VtepMAC and PublicIPv6 are all known; without an IPv6 overlay of our own no IPv6 packet has a route.
     */
    private Peer route(ByteBuf buf, int ip, int length) {
        int version = Ip.version(buf, ip);
        Peer peer;
        if (version == 4 && length >= Ipv4.MIN_HEADER_LENGTH) {
            peer = sender == null ? null : table.current().lookupV4(VxlanEncap.innerDestinationV4(buf, ip));
        } else if (version == 6 && length >= Ipv6.HEADER_LENGTH) {
            peer = senderV6 == null ? null : table.current().lookupV6(VxlanEncap.innerDestinationV6Hi(buf, ip),
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
}
