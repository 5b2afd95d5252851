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
import io.netty.channel.unix.FileDescriptor;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Peer;
import io.weft.fdb.PublishedTable;
import io.weft.vtep.DecapDrop;
import io.weft.vtep.Ethernet;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Ipv6;
import io.weft.vtep.Vxlan;
import io.weft.vtep.VxlanDecap;
import io.weft.vtep.VxlanEncap;

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
 * <p>Buffer layout for encap: the TUN packet is read at {@link #HEADROOM} into a pooled direct buffer, the
 * 22 bytes of VXLAN + inner Ethernet are written right in front of it, and the same buffer goes to the socket.
 * {@link #HEADROOM} keeps 10 further bytes free in front so that a {@code virtio_net_hdr} (TSO/GSO, a later
 * issue) can be read into the same place without moving the payload.
 */
public final class Worker {
    /** VXLAN (8) + inner Ethernet (14). */
    public static final int ENCAP_BYTES = Vxlan.HEADER_LENGTH + Ethernet.HEADER_LENGTH;
    /** {@link #ENCAP_BYTES} plus room for a 10-byte virtio_net_hdr, rounded up to 8-byte alignment. */
    public static final int HEADROOM = 32;
    /** TUN packets read per wakeup before the loop serves the socket again. */
    static final int TUN_READ_BUDGET = 64;

    private final int index;
    private final DataPlaneConfig config;
    private final PublishedTable table;
    private final FileDescriptor tun;
    private final ByteBufAllocator alloc;
    private final int bufferCapacity;
    private final long ourMac;
    private final int vni;
    private final int localNet;
    private final int localMask;
    private final boolean acceptUnknown;

    private final long[] counters = new long[Counter.COUNT];
    private final PeerCounters peers = new PeerCounters();
    private final TunHandle tunHandle = new TunHandle();
    private final DecapHandler decapHandler = new DecapHandler();
    private Channel channel;
    private ByteBuf spare;
    private IoRegistration registration;

    public Worker(int index, DataPlaneConfig config, PublishedTable table, FileDescriptor tun, ByteBufAllocator alloc) {
        this.index = index;
        this.config = config;
        this.table = table;
        this.tun = tun;
        this.alloc = alloc;
        this.bufferCapacity = HEADROOM + config.mtu();
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

    /** The inbound handler for this worker's UDP channel. */
    public ChannelInboundHandlerAdapter decapHandler() {
        return decapHandler;
    }

    /** Called on the loop once the channel is bound. */
    public void attach(Channel boundChannel, IoRegistration tunRegistration) {
        this.channel = boundChannel;
        this.registration = tunRegistration;
    }

    /** Called on the loop at shutdown: stop reading the TUN and give back the spare buffer. */
    public void detach() {
        if (registration != null) {
            registration.cancel();
            registration = null;
        }
        if (spare != null) {
            spare.release();
            spare = null;
        }
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
        for (int i = 0; i < TUN_READ_BUDGET; i++) {
            ByteBuf buf = spare;
            spare = null;
            if (buf == null) {
                buf = alloc.directBuffer(bufferCapacity, bufferCapacity);
            }
            int n;
            try {
                n = tun.readAddress(buf.memoryAddress(), HEADROOM, bufferCapacity);
            } catch (IOException e) {
                counters[Counter.DROP_TUN_ERROR.ordinal()]++;
                spare = buf;
                break;
            }
            if (n <= 0) {
                spare = buf;
                break;
            }
            if (encapsulate(ch, t, buf, n)) {
                queued++;
            } else {
                buf.clear();
                spare = buf;
            }
        }
        if (queued > 0) {
            ch.flush();
        }
    }

    /** Writes the headers in front of the packet at {@link #HEADROOM} and queues it; false if it was dropped. */
    private boolean encapsulate(Channel ch, ForwardingTable t, ByteBuf buf, int length) {
        int ip = HEADROOM;
        int version = Ip.version(buf, ip);
        Peer peer;
        long dstMac;
        if (version == 4 && length >= Ipv4.MIN_HEADER_LENGTH) {
            peer = t.lookupV4(VxlanEncap.innerDestinationV4(buf, ip));
            dstMac = peer == null ? 0 : peer.vtepMacBits();
        } else if (version == 6 && length >= Ipv6.HEADER_LENGTH) {
            peer = t.lookupV6(VxlanEncap.innerDestinationV6Hi(buf, ip), VxlanEncap.innerDestinationV6Lo(buf, ip));
            dstMac = peer == null ? 0 : peer.v6VtepMac() != null ? peer.v6VtepMac().bits() : peer.vtepMacBits();
        } else {
            counters[Counter.DROP_NOT_IP.ordinal()]++;
            return false;
        }
        if (peer == null) {
            counters[Counter.DROP_NO_ROUTE.ordinal()]++;
            return false;
        }
        if (!ch.isWritable()) {
            counters[Counter.DROP_SOCKET_FULL.ordinal()]++;
            return false;
        }
        int start = VxlanEncap.encapsulate(buf, ip, vni, ourMac, dstMac);
        buf.setIndex(start, ip + length);
        counters[Counter.TX_PACKETS.ordinal()]++;
        counters[Counter.TX_BYTES.ordinal()] += length;
        peers.count(peer.endpointV4(), PeerCounters.TX_PACKETS, length);
        ch.write(new DatagramPacket(buf, peer.endpoint()), ch.voidPromise());
        return true;
    }

    // ---------------------------------------------------------------- decap: UDP -> TUN

    void decapsulate(DatagramPacket packet) {
        ByteBuf c = packet.content();
        int at = c.readerIndex();
        int length = c.readableBytes();
        int ip = VxlanDecap.check(c, at, length, vni, ourMac);
        if (ip < 0 && ip != DecapDrop.ARP.code()) {
            counters[DROP_FOR[DecapDrop.reason(ip).ordinal()].ordinal()]++;
            return;
        }
        InetAddress senderAddress = packet.sender().getAddress();
        // Inet4Address.hashCode() is the address itself: no byte[] copy on the hot path.
        int sender = senderAddress instanceof Inet4Address ? senderAddress.hashCode() : 0;
        Peer peer = table.current().peerByUnderlayV4(sender);
        if (peer == null && !acceptUnknown) {
            counters[Counter.DROP_UNKNOWN_SENDER.ordinal()]++;
            return;
        }
        if (ip < 0) {
            answerArp(c, at + Vxlan.HEADER_LENGTH, peer, packet.sender());
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
        int written;
        try {
            written = c.hasMemoryAddress()
                    ? tun.writeAddress(c.memoryAddress(), ip, ip + ipLength)
                    : tun.write(c.internalNioBuffer(ip, ipLength), 0, ipLength);
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
        if (peer != null) {
            peers.count(sender, PeerCounters.RX_PACKETS, ipLength);
        }
    }

    /** Answers an ARP request for our VTEP address (rare: flannel peers never ARP, so this may allocate). */
    private void answerArp(ByteBuf c, int eth, Peer peer, InetSocketAddress sender) {
        int ourIp = config.vtepAddressV4();
        if (!VxlanDecap.isArpRequestFor(c, eth, ourIp)) {
            counters[Counter.DROP_ARP_IGNORED.ordinal()]++;
            return;
        }
        ByteBuf reply = alloc.directBuffer(HEADROOM + VxlanDecap.ARP_REPLY_LENGTH);
        VxlanDecap.writeArpReply(reply, HEADROOM, c, eth, ourMac, ourIp);
        int start = VxlanEncap.encapsulateFrame(reply, HEADROOM, vni);
        reply.setIndex(start, HEADROOM + VxlanDecap.ARP_REPLY_LENGTH);
        InetSocketAddress to = peer != null ? peer.endpoint() : new InetSocketAddress(sender.getAddress(), config.port());
        counters[Counter.ARP_REPLIES.ordinal()]++;
        channel.writeAndFlush(new DatagramPacket(reply, to), channel.voidPromise());
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

    private final class DecapHandler extends ChannelInboundHandlerAdapter {
        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof DatagramPacket) {
                DatagramPacket p = (DatagramPacket) msg;
                try {
                    decapsulate(p);
                } finally {
                    p.release();
                }
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A failed send (voidPromise) or receive lands here; the packet is gone, the socket stays.
            counters[Counter.DROP_SOCKET_ERROR.ordinal()]++;
        }
    }
}
