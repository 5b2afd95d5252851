package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.dataplane.capture.PacketTap;
import io.weft.dataplane.probe.ProbeReplies;
import io.weft.dataplane.socket.BatchReceiver;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Peer;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.vtep.DecapDrop;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Ipv6;
import io.weft.vtep.Vxlan;
import io.weft.vtep.VxlanDecap;
import io.weft.vtep.VxlanEncap;
import io.weft.vtep.offload.GroBatch;
import io.weft.vtep.offload.GroSink;
import io.weft.vtep.offload.TsoSplit;
import io.weft.vtep.offload.VirtioNetHdr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;

/**
 * One worker: a TUN queue and a UDP socket served by the same event-loop thread, so a packet is handled from
 * start to finish without a queue or a lock. All fields are touched only by that thread, except through
 * {@link #snapshot()} which the owner runs on the loop as well.
 *
 * <p>Two paths, chosen at start by {@link WorkerOffloads}:
 * <ul>
 * <li>per packet (no virtio_net_hdr): a TUN packet is read at {@link #HEADROOM} into a pooled buffer, VXLAN + inner
 * Ethernet are written in the 22 bytes in front of it and that buffer is sent; a received frame's inner packet is
 * written to the TUN from where it lies.</li>
 * <li>offloads (IFF_VNET_HDR): a read returns up to 64 KB behind a virtio_net_hdr. A TSO super-packet is cut into
 * MSS segments by {@link TsoSplit}, each behind its own VXLAN + Ethernet header, and the segments for one peer go out
 * as one UDP GSO send (or one datagram each when the socket cannot). On receive, {@link GroBatch} merges adjacent
 * TCP segments of a flow within one receive batch into one GSO packet, gather-written to the TUN.</li>
 * </ul>
 * Every outer datagram leaves through {@link #sendOuter}; every inner packet reaches the TUN through
 * {@link #writeInner} (per packet) or {@link TunWriter#write} (offloads): the places for taps and probes.
 */
public final class Worker {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    /** VXLAN (8) + inner Ethernet (14). */
    private static final int ENCAP_BYTES = VxlanEncap.OVERHEAD;
    /** {@link #ENCAP_BYTES} plus room for a 10-byte virtio_net_hdr, rounded up to 8-byte alignment. */
    public static final int HEADROOM = 32;
    /** TUN reads per wakeup before the loop serves the socket again. */
    static final int TUN_READ_BUDGET = 64;
    /** The largest IP packet a TUN with TSO hands out. */
    static final int MAX_SUPER_PACKET = 65535;
    /** UDP payload bytes per GSO send, below the 65,507 a UDP/IPv4 datagram can hold. */
    private static final int MAX_GSO_BYTES = 65000;
    /** Segments per GSO send (the kernel's UDP_MAX_SEGMENTS). */
    private static final int MAX_GSO_SEGMENTS = 64;
    /** recvmmsg calls per wakeup before the loop serves the TUN again (level-triggered: the rest is not lost). */
    static final int SOCKET_READ_BUDGET = 16;

    private final int index;
    private final DataPlaneConfig config;
    private final PublishedTable table;
    private final FileDescriptor tun;
    private final ByteBufAllocator alloc;
    private final boolean vnetHdr;
    private final int readCapacity;
    private final long ourMac;
    private final int vni;
    private final int localNet;
    private final int localMask;
    private final boolean acceptUnknown;
    private boolean udpGso;

    private final long[] counters = new long[Counter.COUNT];
    private final PeerCounters peers = new PeerCounters();
    private final TunHandle tunHandle = new TunHandle();
    private final SocketHandle socketHandle = new SocketHandle();
    private final DecapHandler decapHandler = new DecapHandler();
    private final TunWriter tunWriter = new TunWriter();
    private final GroBatch gro = new GroBatch(tunWriter);
    /** Capture tap and probe replies; read once per datagram, both null unless a capture or the prober runs. */
    private DataPlaneHooks hooks = new DataPlaneHooks();
    private IovArray iov;
    private Channel channel;
    private ByteBuf spare;
    private IoRegistration registration;
    private BatchReceiver receiver;
    private IoRegistration receiverRegistration;
    private boolean receiveErrorLogged;

    public Worker(int index, DataPlaneConfig config, PublishedTable table, FileDescriptor tun, ByteBufAllocator alloc,
                  WorkerOffloads offloads) {
        this.index = index;
        this.config = config;
        this.table = table;
        this.tun = tun;
        this.alloc = alloc;
        this.vnetHdr = offloads.vnetHdr();
        this.udpGso = offloads.udpGso();
        this.readCapacity = vnetHdr ? HEADROOM + MAX_SUPER_PACKET : HEADROOM + config.mtu();
        this.ourMac = config.vtepMac().bits();
        this.vni = config.vni();
        this.localNet = config.localSubnet().v4Address();
        this.localMask = config.localSubnet().v4Mask();
        this.acceptUnknown = config.acceptUnknownVteps();
    }

    public int index() {
        return index;
    }

    /** The handle to register on this worker's loop for the TUN queue. */
    public EpollIoHandle tunHandle() {
        return tunHandle;
    }

    /**
     * The inbound handler for this worker's UDP channel: it sends, and takes only the datagrams Netty itself reads
     * after a socket error (see {@link io.weft.dataplane.socket.VxlanSocket}).
     */
    public ChannelInboundHandlerAdapter decapHandler() {
        return decapHandler;
    }

    /** The handle to register on this worker's loop for the socket's reader, which this worker owns from now on. */
    public EpollIoHandle socketHandle(BatchReceiver reader) {
        this.receiver = reader;
        return socketHandle;
    }

    /** Called on the loop once the channel is bound and both handles are registered. */
    public void attach(Channel boundChannel, IoRegistration tunRegistration, IoRegistration socketRegistration) {
        this.channel = boundChannel;
        this.registration = tunRegistration;
        this.receiverRegistration = socketRegistration;
        if (vnetHdr && iov == null) {
            iov = new IovArray();
        }
    }

    /** Called on the loop at shutdown: stop reading the TUN and the socket, and give back the buffers. */
    public void detach() {
        if (registration != null) {
            registration.cancel();
            registration = null;
        }
        if (receiverRegistration != null) {
            receiverRegistration.cancel();
            receiverRegistration = null;
        }
        if (receiver != null) {
            receiver.close();
            receiver = null;
        }
        if (spare != null) {
            spare.release();
            spare = null;
        }
        if (iov != null) {
            iov.release();
            iov = null;
        }
    }

    /** True while UDP GSO sends are on (false from the start, or after the kernel refused one). */
    public boolean udpGsoActive() {
        return udpGso;
    }

    // ---------------------------------------------------------------- encap: TUN -> UDP

    /** Reads TUN packets until EAGAIN or the budget, encapsulates and queues each, flushes once. */
    void drainTun() {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        ForwardingTable t = table.current();
        int queued = 0;
        int readAt = vnetHdr ? HEADROOM - VirtioNetHdr.LENGTH : HEADROOM;
        for (int i = 0; i < TUN_READ_BUDGET; i++) {
            ByteBuf buf = spare;
            spare = null;
            if (buf == null) {
                buf = alloc.directBuffer(readCapacity, readCapacity);
            }
            int n;
            try {
                n = tun.readAddress(buf.memoryAddress(), readAt, readCapacity);
            } catch (IOException e) {
                counters[Counter.DROP_TUN_ERROR.ordinal()]++;
                spare = buf;
                break;
            }
            if (n <= 0) {
                spare = buf;
                break;
            }
            boolean sent = vnetHdr
                    ? encapsulateOffloaded(ch, t, buf, n - VirtioNetHdr.LENGTH)
                    : encapsulate(ch, t, buf, n);
            if (sent) {
                queued++;
            }
            if (!sent || vnetHdr) {
                // The offload path copies out of the read buffer, so it is always free again.
                buf.clear();
                spare = buf;
            }
        }
        if (queued > 0) {
            ch.flush();
        }
    }

    /** Per-packet path: writes the headers in front of the packet and queues the read buffer itself. */
    private boolean encapsulate(Channel ch, ForwardingTable t, ByteBuf buf, int length) {
        Peer peer = route(t, buf, HEADROOM, length);
        if (peer == null || !writable(ch)) {
            return false;
        }
        int start = VxlanEncap.encapsulate(buf, HEADROOM, vni, ourMac, dstMac(peer, buf, HEADROOM));
        buf.setIndex(start, HEADROOM + length);
        countTx(peer, 1, length);
        sendOuter(ch, buf, 0, peer);
        return true;
    }

    /**
     * Offload path: the packet at {@link #HEADROOM} ({@code length} bytes) has its virtio_net_hdr just before it.
     * A plain packet (its partial checksum finished if NEEDS_CSUM) is copied into a datagram of its own size; a
     * TSO/USO super-packet is split into segments in one buffer that leaves as a GSO send.
     */
    private boolean encapsulateOffloaded(Channel ch, ForwardingTable t, ByteBuf buf, int length) {
        int ip = HEADROOM;
        int hdr = ip - VirtioNetHdr.LENGTH;
        if (length <= 0) {
            counters[Counter.DROP_BAD_OFFLOAD.ordinal()]++;
            return false;
        }
        int flags = VirtioNetHdr.flags(buf, hdr);
        int gsoType = VirtioNetHdr.gsoType(buf, hdr);
        int gsoSize = VirtioNetHdr.gsoSize(buf, hdr);
        int csumStart = VirtioNetHdr.csumStart(buf, hdr);
        int csumOffset = VirtioNetHdr.csumOffset(buf, hdr);
        Peer peer = route(t, buf, ip, length);
        if (peer == null || !writable(ch)) {
            return false;
        }
        if (gsoType == VirtioNetHdr.GSO_NONE) {
            if ((flags & VirtioNetHdr.F_NEEDS_CSUM) != 0
                    && !VirtioNetHdr.completeChecksum(buf, ip, length, csumStart, csumOffset)) {
                counters[Counter.DROP_BAD_OFFLOAD.ordinal()]++;
                return false;
            }
            int start = VxlanEncap.encapsulate(buf, ip, vni, ourMac, dstMac(peer, buf, ip));
            ByteBuf out = alloc.directBuffer(ENCAP_BYTES + length);
            out.writeBytes(buf, start, ENCAP_BYTES + length);
            countTx(peer, 1, length);
            sendOuter(ch, out, 0, peer);
            return true;
        }
        int header = TsoSplit.headerLength(buf, ip, length, gsoType);
        if (header < 0 || gsoSize == 0) {
            counters[Counter.DROP_BAD_OFFLOAD.ordinal()]++;
            return false;
        }
        VxlanEncap.encapsulate(buf, ip, vni, ourMac, dstMac(peer, buf, ip));
        int outLength = TsoSplit.outputLength(length, header, gsoSize, ENCAP_BYTES);
        ByteBuf out = alloc.directBuffer(outLength);
        int segments = TsoSplit.split(buf, ip, length, gsoType, gsoSize, ENCAP_BYTES, out, 0);
        if (segments <= 0) {
            out.release();
            counters[Counter.DROP_BAD_OFFLOAD.ordinal()]++;
            return false;
        }
        out.setIndex(0, outLength);
        counters[Counter.TX_SUPER_PACKETS.ordinal()]++;
        countTx(peer, segments, outLength - segments * ENCAP_BYTES);
        sendSegments(ch, out, segments, ENCAP_BYTES + header + gsoSize, peer);
        return true;
    }

    /** Sends {@code segments} back-to-back datagrams of {@code stride} bytes (the last may be shorter). */
    private void sendSegments(Channel ch, ByteBuf out, int segments, int stride, Peer peer) {
        if (segments == 1) {
            sendOuter(ch, out, 0, peer);
            return;
        }
        int perSend = udpGso ? Math.min(MAX_GSO_SEGMENTS, MAX_GSO_BYTES / stride) : 1;
        if (perSend > 1 && segments <= perSend) {
            sendOuter(ch, out, stride, peer);
            return;
        }
        int total = out.writerIndex();
        for (int at = 0; at < total; at += perSend * stride) {
            int len = Math.min(perSend * stride, total - at);
            sendOuter(ch, out.retainedSlice(at, len), len > stride ? stride : 0, peer);
        }
        out.release();
    }

    /**
     * Where every outer datagram leaves: {@code datagram}'s readable bytes are the UDP payload (VXLAN onward);
     * {@code segmentSize > 0} makes it a GSO send of segments of that size. Takes ownership of the buffer.
     */
    private void sendOuter(Channel ch, ByteBuf datagram, int segmentSize, Peer peer) {
        PacketTap tap = hooks.tap();
        if (tap != null) {
            int step = segmentSize > 0 ? segmentSize : datagram.readableBytes();
            for (int at = datagram.readerIndex(); at < datagram.writerIndex(); at += step) {
                tap.onVxlan(PacketTap.OUTBOUND, datagram, at, Math.min(step, datagram.writerIndex() - at),
                        peer.endpointV4(), config.port());
            }
        }
        if (segmentSize > 0) {
            ch.write(new SegmentedDatagramPacket(datagram, segmentSize, peer.endpoint()), ch.voidPromise());
        } else {
            ch.write(new DatagramPacket(datagram, peer.endpoint()), ch.voidPromise());
        }
    }

    /** The peer whose subnet holds the packet's destination, or null (counted). */
    private Peer route(ForwardingTable t, ByteBuf buf, int ip, int length) {
        int version = Ip.version(buf, ip);
        Peer peer;
        if (version == 4 && length >= Ipv4.MIN_HEADER_LENGTH) {
            peer = t.lookupV4(VxlanEncap.innerDestinationV4(buf, ip));
        } else if (version == 6 && length >= Ipv6.HEADER_LENGTH) {
            peer = t.lookupV6(VxlanEncap.innerDestinationV6Hi(buf, ip), VxlanEncap.innerDestinationV6Lo(buf, ip));
        } else {
            counters[Counter.DROP_NOT_IP.ordinal()]++;
            return null;
        }
        if (peer == null) {
            counters[Counter.DROP_NO_ROUTE.ordinal()]++;
        }
        return peer;
    }

    private static long dstMac(Peer peer, ByteBuf buf, int ip) {
        if (Ip.version(buf, ip) == 6 && peer.v6VtepMac() != null) {
            return peer.v6VtepMac().bits();
        }
        return peer.vtepMacBits();
    }

    private boolean writable(Channel ch) {
        if (!ch.isWritable()) {
            counters[Counter.DROP_SOCKET_FULL.ordinal()]++;
            return false;
        }
        return true;
    }

    private void countTx(Peer peer, int packets, int bytes) {
        counters[Counter.TX_PACKETS.ordinal()] += packets;
        counters[Counter.TX_BYTES.ordinal()] += bytes;
        peers.add(peer.endpointV4(), PeerCounters.TX_PACKETS, packets);
        peers.add(peer.endpointV4(), PeerCounters.TX_BYTES, bytes);
    }

    // ---------------------------------------------------------------- decap: UDP -> TUN

    /**
     * Reads the socket until it is empty or {@link #SOCKET_READ_BUDGET} calls have been made; splits each GRO run
     * into its datagrams, and writes out what the merge holds before the next call reuses the buffers.
     */
    void drainSocket() {
        BatchReceiver rx = receiver;
        if (rx == null || channel == null) {
            return;
        }
        ByteBuf c = rx.buffer();
        for (int call = 0; call < SOCKET_READ_BUDGET; call++) {
            int n = rx.receive();
            if (n == 0) {
                return;
            }
            if (n < 0) {
                counters[Counter.DROP_SOCKET_ERROR.ordinal()]++;
                if (!receiveErrorLogged) {
                    receiveErrorLogged = true;
                    LOG.warn("worker {}: receiving on the VXLAN socket failed (errno {}); counted in drop_socket_error,"
                            + " logged once", index, -n);
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                int at = rx.offset(i);
                int length = rx.length(i);
                if (rx.truncated(i)) {
                    counters[Counter.DROP_TOO_LONG.ordinal()]++;
                    continue;
                }
                int sender = rx.senderAddress(i);
                int port = rx.senderPort(i);
                int segment = rx.segmentSize(i);
                if (segment <= 0 || segment >= length) {
                    decapsulate(c, at, length, sender, port);
                } else {
                    for (int end = at + length; at < end; at += segment) {
                        decapsulate(c, at, Math.min(segment, end - at), sender, port);
                    }
                }
            }
            gro.flush();
            if (n < rx.slots()) {
                return; // the queue is (most likely) empty; level-triggered epoll calls again if not
            }
        }
    }

    /**
     * Checks one received frame ({@code length} bytes at {@code at}, from {@code sender}:{@code senderPort}, an IPv4
     * address in network order) and passes its inner packet on: straight to the TUN, or to the merge, which keeps
     * pointing into {@code c} until {@link GroBatch#flush()}.
     */
    void decapsulate(ByteBuf c, int at, int length, int sender, int senderPort) {
        int ip = VxlanDecap.check(c, at, length, vni, ourMac);
        if (ip < 0 && ip != DecapDrop.ARP.code()) {
            counters[DROP_FOR[DecapDrop.reason(ip).ordinal()].ordinal()]++;
            return;
        }
        Peer peer = table.current().peerByUnderlayV4(sender);
        if (peer == null && !acceptUnknown) {
            counters[Counter.DROP_UNKNOWN_SENDER.ordinal()]++;
            return;
        }
        PacketTap tap = hooks.tap();
        if (tap != null) {
            tap.onVxlan(PacketTap.INBOUND, c, at, length, sender, senderPort);
        }
        if (ip < 0) {
            answerArp(c, at + Vxlan.HEADER_LENGTH, peer, sender);
            return;
        }
        if (Ip.version(c, ip) != 4) {
            // No IPv6 local subnet is configured yet (dual-stack is a later issue), so nothing is local.
            counters[Counter.DROP_NOT_LOCAL.ordinal()]++;
            return;
        }
        if ((Ipv4.dst(c, ip) & localMask) != localNet) {
            counters[Counter.DROP_NOT_LOCAL.ordinal()]++;
            return;
        }
        int ipLength = Ip.packetLength(c, ip);
        if (Ipv4.dst(c, ip) == localNet && Ipv4.protocol(c, ip) == Ip.PROTO_ICMP) {
            ProbeReplies replies = hooks.probeReplies();
            if (replies != null && replies.offer(c, ip, ipLength)) {
                return; // the answer to one of our probes: the prober counts it; the kernel never sees it
            }
        }
        if (peer != null) {
            peers.count(sender, PeerCounters.RX_PACKETS, ipLength);
        }
        if (!vnetHdr) {
            writeInner(c, ip, ipLength);
            return;
        }
        gro.offer(c, ip, ipLength);
    }

    /** Called on the loop before it serves anything: the hooks this worker consults. */
    public void useHooks(DataPlaneHooks h) {
        this.hooks = h;
    }

    /** On the loop: encapsulates {@code ipv4Packet} (a probe) as if read from the TUN, and sends it. */
    public void injectInner(byte[] ipv4Packet) {
        Channel ch = channel;
        if (ch == null || ipv4Packet.length > readCapacity - HEADROOM) {
            return;
        }
        ByteBuf buf = alloc.directBuffer(HEADROOM + ipv4Packet.length);
        buf.setBytes(HEADROOM, ipv4Packet);
        if (encapsulate(ch, table.current(), buf, ipv4Packet.length)) {
            ch.flush();
        } else {
            buf.release();
        }
    }

    /** Per-packet path: where an inner packet is written to the TUN. */
    private void writeInner(ByteBuf c, int ip, int ipLength) {
        int written;
        try {
            written = tun.writeAddress(c.memoryAddress(), ip, ip + ipLength);
        } catch (IOException e) {
            counters[Counter.DROP_TUN_ERROR.ordinal()]++;
            return;
        }
        if (written <= 0) {
            counters[Counter.DROP_TUN_FULL.ordinal()]++;
            return;
        }
        counters[Counter.RX_PACKETS.ordinal()]++;
        counters[Counter.RX_BYTES.ordinal()] += ipLength;
    }

    /** Offload path: where inner packets (merged or not, behind a virtio_net_hdr) are written to the TUN. */
    private final class TunWriter implements GroSink {
        @Override
        public void write(ByteBuf[] bufs, int[] indexes, int[] lengths, int count, int segments) {
            long written;
            try {
                if (count == 1) {
                    written = tun.writeAddress(bufs[0].memoryAddress(), indexes[0], indexes[0] + lengths[0]);
                } else {
                    IovArray v = iov;
                    v.clear();
                    for (int i = 0; i < count; i++) {
                        v.add(bufs[i], indexes[i], lengths[i]);
                    }
                    written = tun.writevAddresses(v.memoryAddress(0), v.count());
                }
            } catch (IOException e) {
                counters[Counter.DROP_TUN_ERROR.ordinal()] += segments;
                return;
            }
            if (written <= 0) {
                counters[Counter.DROP_TUN_FULL.ordinal()] += segments;
                return;
            }
            counters[Counter.RX_PACKETS.ordinal()] += segments;
            counters[Counter.RX_BYTES.ordinal()] += written - VirtioNetHdr.LENGTH;
            if (segments > 1) {
                counters[Counter.RX_MERGED_PACKETS.ordinal()]++;
            }
        }
    }

    /** Answers an ARP request for our VTEP address (rare: flannel peers never ARP, so this may allocate). */
    private void answerArp(ByteBuf c, int eth, Peer peer, int sender) {
        int ourIp = config.vtepAddressV4();
        if (!VxlanDecap.isArpRequestFor(c, eth, ourIp)) {
            counters[Counter.DROP_ARP_IGNORED.ordinal()]++;
            return;
        }
        ByteBuf reply = alloc.directBuffer(HEADROOM + VxlanDecap.ARP_REPLY_LENGTH);
        VxlanDecap.writeArpReply(reply, HEADROOM, c, eth, ourMac, ourIp);
        int start = VxlanEncap.encapsulateFrame(reply, HEADROOM, vni);
        reply.setIndex(start, HEADROOM + VxlanDecap.ARP_REPLY_LENGTH);
        InetSocketAddress to = peer != null ? peer.endpoint() : new InetSocketAddress(addressOf(sender), config.port());
        counters[Counter.ARP_REPLIES.ordinal()]++;
        channel.writeAndFlush(new DatagramPacket(reply, to), channel.voidPromise());
    }

    private static InetAddress addressOf(int ipv4) {
        try {
            return InetAddress.getByAddress(Subnet.intToBytes(ipv4));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }

    /** The counter for each {@link DecapDrop}, by ordinal ({@code ARP} is handled, never counted as a drop). */
    private static final Counter[] DROP_FOR = new Counter[DecapDrop.values().length];

    static {
        DROP_FOR[DecapDrop.TOO_SHORT.ordinal()] = Counter.DROP_SHORT;
        DROP_FOR[DecapDrop.BAD_FLAGS.ordinal()] = Counter.DROP_BAD_FLAGS;
        DROP_FOR[DecapDrop.RESERVED_BITS.ordinal()] = Counter.DROP_RESERVED_BITS;
        DROP_FOR[DecapDrop.WRONG_VNI.ordinal()] = Counter.DROP_WRONG_VNI;
        DROP_FOR[DecapDrop.LOOP.ordinal()] = Counter.DROP_LOOP;
        DROP_FOR[DecapDrop.NOT_OUR_MAC.ordinal()] = Counter.DROP_NOT_OUR_MAC;
        DROP_FOR[DecapDrop.BAD_ETHERTYPE.ordinal()] = Counter.DROP_BAD_ETHERTYPE;
        DROP_FOR[DecapDrop.BAD_IP.ordinal()] = Counter.DROP_BAD_IP;
    }

    // ---------------------------------------------------------------- socket errors

    private void socketError(Throwable cause) {
        counters[Counter.DROP_SOCKET_ERROR.ordinal()]++;
        if (udpGso && isEio(cause)) {
            // The egress device cannot checksum for the kernel's UDP segmentation: send one datagram per segment.
            udpGso = false;
            counters[Counter.GSO_FALLBACKS.ordinal()]++;
            LOG.warn("worker {}: the kernel refused a UDP GSO send ({}); sending one datagram per segment from now on",
                    index, cause.getMessage());
        }
    }

    private static boolean isEio(Throwable cause) {
        if (cause instanceof Errors.NativeIoException && ((Errors.NativeIoException) cause).expectedErr() == -5) {
            return true;
        }
        String m = cause.getMessage();
        return m != null && m.contains("Input/output error");
    }

    // ---------------------------------------------------------------- stats

    /** Run on the loop: a copy of this worker's counters. */
    public WorkerSnapshot snapshot() {
        Map<Counter, Long> c = new EnumMap<>(Counter.class);
        for (Counter k : Counter.values()) {
            c.put(k, counters[k.ordinal()]);
        }
        return new WorkerSnapshot(c, peers.snapshot());
    }

    /** Counters of one worker at one moment; per-peer values are {txPackets, txBytes, rxPackets, rxBytes}. */
    public record WorkerSnapshot(Map<Counter, Long> counters, Map<Integer, long[]> peers) {
    }

    // ---------------------------------------------------------------- glue

    private final class TunHandle implements EpollIoHandle {
        @Override
        public FileDescriptor fd() {
            return tun;
        }

        @Override
        public void handle(IoRegistration reg, IoEvent event) {
            drainTun();
        }

        @Override
        public void close() {
            // The TUN fds belong to the TunDevice, which closes them after the loops have stopped.
        }
    }

    private final class SocketHandle implements EpollIoHandle {
        @Override
        public FileDescriptor fd() {
            return receiver.fd();
        }

        @Override
        public void handle(IoRegistration reg, IoEvent event) {
            drainSocket();
        }

        @Override
        public void close() {
            // The reader's descriptor is closed in detach().
        }
    }

    private final class DecapHandler extends ChannelInboundHandlerAdapter {
        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof DatagramPacket) {
                // Read by Netty after a socket error (see VxlanSocket): rare, so each goes through on its own.
                DatagramPacket p = (DatagramPacket) msg;
                try {
                    ByteBuf c = p.content();
                    InetAddress from = p.sender().getAddress();
                    // Inet4Address.hashCode() is the address itself.
                    int sender = from instanceof Inet4Address ? from.hashCode() : 0;
                    decapsulate(c, c.readerIndex(), c.readableBytes(), sender, p.sender().getPort());
                    gro.flush();
                } finally {
                    p.release();
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A failed send (voidPromise) or receive lands here; the packet is gone, the socket stays.
            socketError(cause);
        }
    }
}
