package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.weft.dataplane.socket.OuterSender;
import io.weft.fdb.Peer;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** An outer sender that keeps every datagram it is given (as the bytes the socket would send) and where to. */
final class FakeSender implements OuterSender {
    /** One outer datagram: the UDP payload, VXLAN onward. */
    record Sent(byte[] payload, InetSocketAddress to, int gsoStride) {
    }

    final List<Sent> sent = new ArrayList<>();
    boolean writable = true;
    int flushes;
    private final WorkerCounters counters;
    private final boolean ipv6;

    FakeSender(WorkerCounters counters) {
        this(counters, false);
    }

    /** @param ipv6 an IPv6 underlay socket's: datagrams go to the peer's PublicIPv6 */
    FakeSender(WorkerCounters counters, boolean ipv6) {
        this.counters = counters;
        this.ipv6 = ipv6;
    }

    private InetSocketAddress to(Peer peer) {
        return ipv6 ? peer.endpointV6() : peer.sendEndpoint();
    }

    @Override
    public boolean writable() {
        if (!writable) {
            counters.increment(Counter.DROP_SOCKET_FULL);
        }
        return writable;
    }

    @Override
    public void send(ByteBuf datagram, Peer peer) {
        keep(datagram, to(peer), 0);
    }

    @Override
    public void sendSegments(ByteBuf datagrams, int count, int stride, Peer peer) {
        int total = datagrams.writerIndex();
        for (int at = 0; at < total; at += stride) {
            sent.add(new Sent(ByteBufUtil.getBytes(datagrams, at, Math.min(stride, total - at)), to(peer), stride));
        }
        datagrams.release();
    }

    @Override
    public void reply(ByteBuf datagram, InetSocketAddress to) {
        keep(datagram, to, 0);
    }

    @Override
    public void flush() {
        flushes++;
    }

    private void keep(ByteBuf datagram, InetSocketAddress to, int stride) {
        sent.add(new Sent(ByteBufUtil.getBytes(datagram), to, stride));
        datagram.release();
    }
}
