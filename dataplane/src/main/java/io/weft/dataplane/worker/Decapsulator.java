package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.dataplane.capture.PacketTap;
import io.weft.dataplane.probe.ProbeReplies;
import io.weft.dataplane.socket.DatagramSink;
import io.weft.dataplane.tun.TunQueue;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Peer;
import io.weft.fdb.PublishedTable;
import io.weft.dataplane.Ipv6Overlay;
import io.weft.vtep.DecapDrop;
import io.weft.vtep.Ethernet;
import io.weft.vtep.Icmpv6;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Ipv6;
import io.weft.vtep.Vxlan;
import io.weft.vtep.VxlanDecap;
import io.weft.vtep.offload.InnerChecksum;
import io.weft.vtep.offload.PartialChecksum;

/**
 * The receive decisions for one VXLAN datagram, in order: a known sender (before anything is parsed), the wire checks
 * of {@link VxlanDecap#check} (each failure counted by {@link Counter#forDrop}), the capture tap, ARP, an inner source
 * in the sender's subnet, an inner destination in our subnet, the answers to our own probes, the inner TCP/UDP
 * checksum (right, or partial as a kernel peer whose device offloads checksums leaves it; anything else is dropped;
 * a weft peer's is not summed, as its outer UDP checksum covers it), and finally the inner packet to the
 * {@link TunQueue}. A datagram of the IPv6 underlay ({@link #datagramV6}) goes the same way with the IPv6 overlay's
 * VtepMAC, subnet and peers' PublicIPv6, and NDP in ARP's place. Pure logic over a buffer, the table and the counters: a test
 * drives it with frames built by the vtep codecs and a fake TUN queue.
 */
public final class Decapsulator implements DatagramSink {
    private final PublishedTable table;
    private final TunQueue tun;
    private final WorkerCounters counters;
    private final ArpResponder arp;
    private final PathEchoResponder pathEcho;
    private final DataPlaneHooks hooks;
    private final int vni;
    private final long ourMac;
    private final int localNet;
    private final int localMask;
    private final boolean acceptUnknown;
    private final boolean acceptAnySource;
    /** False on an IPv6-only host: every IPv4 inner packet is of the wrong family. */
    private final boolean routesV4;
    /** The IPv6 overlay, or null (then {@link #ndp} is null too, and nothing comes over an IPv6 underlay). */
    private final Ipv6Overlay v6;
    private final NdpResponder ndp;
    private final long ourMacV6;
    private final long localHiV6;
    private final long localLoV6;
    private final long maskHiV6;
    private final long maskLoV6;

    Decapsulator(PublishedTable table, TunQueue tun, WorkerCounters counters, ArpResponder arp, DataPlaneHooks hooks,
                 int vni, long ourMac, int localNet, int localMask, boolean acceptUnknown, boolean acceptAnySource) {
        this(table, tun, counters, arp, null, hooks, vni, ourMac, localNet, localMask, acceptUnknown, acceptAnySource);
    }

    /** @param pathEcho answers weft peers' path probes, or null to pass them to the TUN like any echo */
    Decapsulator(PublishedTable table, TunQueue tun, WorkerCounters counters, ArpResponder arp, PathEchoResponder pathEcho,
                 DataPlaneHooks hooks, int vni, long ourMac, int localNet, int localMask, boolean acceptUnknown,
                 boolean acceptAnySource) {
        this(table, tun, counters, arp, pathEcho, hooks, vni, ourMac, true, localNet, localMask, acceptUnknown,
                acceptAnySource, null, null);
    }

    /**
     * @param routesV4 false on an IPv6-only host ({@code localNet} and {@code localMask} are then unused)
     * @param v6       the IPv6 overlay, or null for an IPv4-only host
     * @param ndp      answers neighbour solicitations over the IPv6 underlay; null exactly when {@code v6} is
     */
    Decapsulator(PublishedTable table, TunQueue tun, WorkerCounters counters, ArpResponder arp, PathEchoResponder pathEcho,
                 DataPlaneHooks hooks, int vni, long ourMac, boolean routesV4, int localNet, int localMask,
                 boolean acceptUnknown, boolean acceptAnySource, Ipv6Overlay v6, NdpResponder ndp) {
        this.routesV4 = routesV4;
        this.v6 = v6;
        this.ndp = ndp;
        this.ourMacV6 = v6 == null ? 0 : v6.vtepMac().bits();
        this.localHiV6 = v6 == null ? 0 : v6.localSubnet().v6High();
        this.localLoV6 = v6 == null ? 0 : v6.localSubnet().v6Low();
        this.maskHiV6 = v6 == null ? 0 : io.weft.fdb.Subnet.v6MaskHi(v6.localSubnet().prefixLength());
        this.maskLoV6 = v6 == null ? 0 : io.weft.fdb.Subnet.v6MaskLo(v6.localSubnet().prefixLength());
        this.pathEcho = pathEcho;
        this.table = table;
        this.tun = tun;
        this.counters = counters;
        this.arp = arp;
        this.hooks = hooks;
        this.vni = vni;
        this.ourMac = ourMac;
        this.localNet = localNet;
        this.localMask = localMask;
        this.acceptUnknown = acceptUnknown;
        this.acceptAnySource = acceptAnySource;
    }

    /**
     * Checks one received frame and passes its inner packet on to the TUN queue (which, if it merges, keeps pointing
     * into {@code c} until {@link #endOfBatch()}).
     */
    @Override
    public void datagram(ByteBuf c, int at, int length, int sender, int senderPort) {
        // The sender first: a datagram from no peer is dropped before a byte of it is read.
        ForwardingTable t = table.current();
        Peer peer = t.peerByUnderlayV4(sender);
        if (peer == null && !acceptUnknown) {
            counters.increment(Counter.DROP_UNKNOWN_SENDER);
            return;
        }
        int ip = VxlanDecap.check(c, at, length, vni, ourMac);
        if (ip < 0 && ip != DecapDrop.ARP.code()) {
            counters.increment(Counter.forDrop(DecapDrop.reason(ip)));
            return;
        }
        PacketTap tap = hooks.tap();
        if (tap != null) {
            tap.onVxlan(PacketTap.INBOUND, c, at, length, sender, senderPort);
        }
        if (ip < 0) {
            arp.answer(c, at + Vxlan.HEADER_LENGTH, peer, sender);
            return;
        }
        if (Ip.version(c, ip) != 4 || !routesV4) {
            // IPv6 overlay traffic comes over the IPv6 underlay (flanneld's flannel-v6 device), never over this one.
            counters.increment(Counter.DROP_WRONG_FAMILY);
            return;
        }
        if (peer != null && !acceptAnySource) {
            // Two sites may use the same private range: the inner source names which host it really is.
            peer = senderOf(t, Ipv4.src(c, ip), sender);
            if (peer == null) {
                counters.increment(Counter.DROP_SPOOFED_SOURCE);
                return;
            }
        }
        if ((Ipv4.dst(c, ip) & localMask) != localNet) {
            counters.increment(Counter.DROP_NOT_LOCAL);
            return;
        }
        int ipLength = Ip.packetLength(c, ip);
        if (Ipv4.dst(c, ip) == localNet && Ipv4.protocol(c, ip) == Ip.PROTO_ICMP) {
            ProbeReplies replies = hooks.probeReplies();
            if (replies != null && replies.offer(c, ip, ipLength)) {
                return; // the answer to one of our probes: the prober counts it; the kernel never sees it
            }
            if (pathEcho != null && pathEcho.answer(c, ip, ipLength, peer, sender, senderPort)) {
                return; // a weft peer's path probe: answered back the way it came
            }
        }
        deliver(c, ip, ipLength, peer);
    }

    /**
     * The last step of both families: the inner TCP/UDP checksum (right, or partial as a kernel peer whose device
     * offloads checksums leaves it; anything else is dropped), the per-peer count, the TUN.
     */
    private void deliver(ByteBuf c, int ip, int ipLength, Peer peer) {
        // A weft peer's frame was checked whole by the kernel (its outer UDP checksum, which weft always sends, and
        // which IPv6 makes mandatory): summing the inner packet again would only repeat that. A flannel peer sends no
        // outer checksum, so its inner checksum is the only one, and is verified here (PartialChecksum.classifyCovered
        // says why in full).
        InnerChecksum checksum = peer != null && peer.advert() != null ? PartialChecksum.classifyCovered(c, ip, ipLength)
                : PartialChecksum.classify(c, ip, ipLength);
        if (checksum == InnerChecksum.BAD) {
            counters.increment(Counter.DROP_BAD_CHECKSUM);
            return;
        }
        if (checksum == InnerChecksum.PARTIAL) {
            counters.increment(Counter.RX_PARTIAL_CSUM);
        }
        if (peer != null) {
            // Per peer by its PublicIP: a dual-stack peer's two families add up; an IPv6-only peer's go under 0.
            counters.peers().count(peer.endpointV4(), PeerCounters.RX_PACKETS, ipLength);
        }
        tun.write(c, ip, ipLength, checksum);
    }

    /**
     * As {@link #datagram}, for a datagram of the IPv6 underlay from {@code senderHi:senderLo}: a known sender (a
     * peer's PublicIPv6), the wire checks against our IPv6 VtepMAC, NDP for our IPv6 VTEP address, an inner IPv6
     * source in the sending peer's IPv6 subnet, an inner destination in our IPv6 subnet, the inner checksum, the TUN.
     */
    @Override
    public void datagramV6(ByteBuf c, int at, int length, long senderHi, long senderLo, int senderPort) {
        if (v6 == null) {
            counters.increment(Counter.DROP_UNKNOWN_SENDER);
            return;
        }
        ForwardingTable t = table.current();
        Peer peer = t.peerByUnderlayV6(senderHi, senderLo);
        if (peer == null && !acceptUnknown) {
            counters.increment(Counter.DROP_UNKNOWN_SENDER);
            return;
        }
        int ip = VxlanDecap.check(c, at, length, vni, ourMacV6);
        if (ip < 0) {
            // ARP has no place on the IPv6 overlay: neighbours are found by NDP.
            counters.increment(ip == DecapDrop.ARP.code() ? Counter.DROP_ARP_IGNORED : Counter.forDrop(DecapDrop.reason(ip)));
            return;
        }
        PacketTap tap = hooks.tap();
        if (tap != null) {
            tap.onVxlanV6(PacketTap.INBOUND, c, at, length, senderHi, senderLo, senderPort);
        }
        if (Ip.version(c, ip) != 6) {
            counters.increment(Counter.DROP_WRONG_FAMILY);
            return;
        }
        int ipLength = Ip.packetLength(c, ip);
        if (Ipv6.nextHeader(c, ip) == Ip.PROTO_ICMPV6 && ipLength > Ipv6.HEADER_LENGTH
                && c.getUnsignedByte(ip + Ipv6.HEADER_LENGTH) == Icmpv6.TYPE_NEIGHBOR_SOLICITATION) {
            // Before the source check: a solicitation may come from the peer's link-local address.
            ndp.answer(c, ip - Ethernet.HEADER_LENGTH, ipLength + Ethernet.HEADER_LENGTH, peer, senderHi, senderLo);
            return;
        }
        if (peer != null && !acceptAnySource) {
            Peer owner = t.lookupV6(Ipv6.srcHi(c, ip), Ipv6.srcLo(c, ip));
            if (owner == null || !owner.sendsFromV6(senderHi, senderLo)) {
                counters.increment(Counter.DROP_SPOOFED_SOURCE);
                return;
            }
            peer = owner;
        }
        if ((Ipv6.dstHi(c, ip) & maskHiV6) != localHiV6 || (Ipv6.dstLo(c, ip) & maskLoV6) != localLoV6) {
            counters.increment(Counter.DROP_NOT_LOCAL);
            return;
        }
        if (Ipv6.nextHeader(c, ip) == Ip.PROTO_ICMPV6 && Ipv6.dstHi(c, ip) == localHiV6 && Ipv6.dstLo(c, ip) == localLoV6) {
            ProbeReplies replies = hooks.probeReplies();
            if (replies != null && replies.offer(c, ip, ipLength)) {
                return; // the answer to one of our IPv6 probes (to our IPv6 VTEP <subnet>::): the prober counts it
            }
        }
        deliver(c, ip, ipLength, peer);
    }

    /**
     * The peer that sent a packet with inner source {@code src} from {@code sender}, or null if {@code src} lies in no
     * subnet of the host at {@code sender}: the lease that routes
     * {@code src} here (longest prefix, as our own traffic to it would go) is one of that host's. So a host with a
     * stale lease next to its current one, or a real node inside a wider hand-written lease, is judged by the lease
     * that actually holds the address. A weft peer's frames may come from any address it advertises (its private
     * address when we both sit on one private network), and from nothing else. Allocation-free.
     */
    private static Peer senderOf(ForwardingTable t, int src, int sender) {
        Peer owner = t.lookupV4(src);
        return owner != null && owner.sendsFrom(sender) ? owner : null;
    }

    @Override
    public void endOfBatch() {
        tun.flush();
    }
}
