package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.dataplane.capture.PacketTap;
import io.weft.dataplane.os.Errno;
import io.weft.dataplane.worker.Counter;
import io.weft.dataplane.worker.WorkerCounters;
import io.weft.fdb.Peer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;

/**
 * The {@link OuterSender} of one worker's {@link VxlanSocket} channel. It owns the outer sends (and the capture tap on
 * them), the GSO batching of a super-packet's segments, the writability check, and the fallback when the kernel
 * refuses a UDP GSO send: EIO, which the egress device's lack of checksum offload for UDP segmentation causes; from
 * then on this worker sends one datagram per segment. A failed send ({@code voidPromise}) or receive reaches
 * {@link #failed} through the channel's handler; the packet is gone, the socket stays.
 */
public final class ChannelSender implements OuterSender {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelSender.class);
    /** UDP payload bytes per GSO send, below the 65,507 a UDP/IPv4 datagram can hold. */
    private static final int MAX_GSO_BYTES = 65000;
    /** Segments per GSO send (the kernel's UDP_MAX_SEGMENTS). */
    private static final int MAX_GSO_SEGMENTS = 64;

    private final int index;
    private final Channel channel;
    private final WorkerCounters counters;
    private final DataPlaneHooks hooks;
    private final int port;
    private final boolean ipv6;
    private boolean udpGso;

    /**
     * @param index  the worker's number, for the log line of a fallback
     * @param udpGso whether GSO sends are on at the start (the socket and kernel support UDP_SEGMENT)
     */
    public ChannelSender(int index, Channel channel, WorkerCounters counters, DataPlaneHooks hooks, int port,
                         boolean udpGso) {
        this(index, channel, counters, hooks, port, udpGso, false);
    }

    /**
     * @param ipv6 the channel is the worker's AF_INET6 socket: datagrams go to each peer's {@code PublicIPv6}
     *             ({@link Peer#endpointV6()}) instead of the IPv4 path it uses now
     */
    public ChannelSender(int index, Channel channel, WorkerCounters counters, DataPlaneHooks hooks, int port,
                         boolean udpGso, boolean ipv6) {
        this.ipv6 = ipv6;
        this.index = index;
        this.channel = channel;
        this.counters = counters;
        this.hooks = hooks;
        this.port = port;
        this.udpGso = udpGso;
    }

    /** True while UDP GSO sends are on (false from the start, or after the kernel refused one). */
    public boolean udpGsoActive() {
        return udpGso;
    }

    @Override
    public boolean writable() {
        if (!channel.isWritable()) {
            counters.increment(Counter.DROP_SOCKET_FULL);
            return false;
        }
        return true;
    }

    @Override
    public void send(ByteBuf datagram, Peer peer) {
        sendOuter(datagram, 0, peer);
    }

    @Override
    public void sendSegments(ByteBuf out, int count, int stride, Peer peer) {
        if (count == 1) {
            sendOuter(out, 0, peer);
            return;
        }
        int perSend = udpGso ? Math.min(MAX_GSO_SEGMENTS, MAX_GSO_BYTES / stride) : 1;
        if (perSend > 1 && count <= perSend) {
            sendOuter(out, stride, peer);
            return;
        }
        int total = out.writerIndex();
        for (int at = 0; at < total; at += perSend * stride) {
            int len = Math.min(perSend * stride, total - at);
            sendOuter(out.retainedSlice(at, len), len > stride ? stride : 0, peer);
        }
        out.release();
    }

    /** {@code segmentSize > 0} makes it a GSO send of segments of that size. */
    private void sendOuter(ByteBuf datagram, int segmentSize, Peer peer) {
        PacketTap tap = hooks.tap();
        InetSocketAddress to = ipv6 ? peer.endpointV6() : peer.sendEndpoint();
        if (tap != null) {
            tapOutbound(tap, datagram, segmentSize, peer, to);
        }
        if (segmentSize > 0) {
            channel.write(new SegmentedDatagramPacket(datagram, segmentSize, to), channel.voidPromise());
        } else {
            channel.write(new DatagramPacket(datagram, to), channel.voidPromise());
        }
    }

    /** Shows the capture tap each datagram of the send (each segment of a GSO one); only while a capture runs. */
    private void tapOutbound(PacketTap tap, ByteBuf datagram, int segmentSize, Peer peer, InetSocketAddress to) {
        int step = segmentSize > 0 ? segmentSize : datagram.readableBytes();
        long hi = 0;
        long lo = 0;
        if (ipv6) {
            byte[] a = to.getAddress().getAddress(); // (a copy: only while capturing)
            hi = io.weft.fdb.Subnet.bytesToLong(a, 0);
            lo = io.weft.fdb.Subnet.bytesToLong(a, 8);
        }
        for (int at = datagram.readerIndex(); at < datagram.writerIndex(); at += step) {
            int length = Math.min(step, datagram.writerIndex() - at);
            if (ipv6) {
                tap.onVxlanV6(PacketTap.OUTBOUND, datagram, at, length, hi, lo, port);
            } else {
                tap.onVxlan(PacketTap.OUTBOUND, datagram, at, length, peer.sendEndpointV4(), port);
            }
        }
    }

    @Override
    public void reply(ByteBuf datagram, InetSocketAddress to) {
        channel.writeAndFlush(new DatagramPacket(datagram, to), channel.voidPromise());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    /** A send or receive on the socket failed: counted, and EIO on a GSO send turns GSO off for good. */
    public void failed(Throwable cause) {
        counters.increment(Counter.DROP_SOCKET_ERROR);
        if (udpGso && Errno.is(cause, Errno.EIO)) {
            // The egress device cannot checksum for the kernel's UDP segmentation: send one datagram per segment.
            udpGso = false;
            counters.increment(Counter.GSO_FALLBACKS);
            LOG.warn("worker {}: the kernel refused a UDP GSO send ({}); sending one datagram per segment from now on",
                    index, cause.getMessage());
        }
    }
}
