package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.weft.dataplane.worker.Counter;
import io.weft.dataplane.worker.WorkerCounters;
import io.weft.fdb.Peer;

import java.util.ArrayList;
import java.util.List;

/**
 * One worker's side of the TCP fallback: frames for peers on the TCP path, length-prefixed and gathered per peer in
 * one buffer, handed to the peer's connection once per flush (one write of up to {@link #BATCH_BYTES} instead of one
 * per packet). Used by the worker's loop only; the links it writes to are any loop's.
 */
public final class TcpSender {
    /** A batch's buffer; a fuller one is handed over at once and a new one started. */
    static final int BATCH_BYTES = 64 * 1024;

    private final int worker;
    private final WorkerCounters counters;
    private final ByteBufAllocator alloc;
    private final List<TcpLink> touched = new ArrayList<>();
    /** Set once on the worker's loop when the transport starts; null: no TCP fallback on this host. */
    private TcpLinks links;

    public TcpSender(int worker, WorkerCounters counters, ByteBufAllocator alloc) {
        this.worker = worker;
        this.counters = counters;
        this.alloc = alloc;
    }

    /** On the worker's loop. */
    public void use(TcpLinks links) {
        this.links = links;
    }

    /** The link to {@code peer}, or null (counted in {@code drop_tcp_down}). */
    private TcpLink link(Peer peer) {
        TcpLink link = activeLink(peer);
        if (link == null) {
            counters.increment(Counter.DROP_TCP_DOWN);
        }
        return link;
    }

    /** {@code peer}'s connection if it is up, else null. */
    private TcpLink activeLink(Peer peer) {
        TcpLinks l = links;
        TcpLink link = l == null ? null : l.get(peer.endpointV4());
        return link == null || !link.channel().isActive() ? null : link;
    }

    /** Queues one frame to {@code peer}'s connection (taking the buffer); dropped and counted if there is none. */
    void send(ByteBuf datagram, Peer peer) {
        TcpLink link = link(peer);
        if (link != null) {
            append(link, datagram, datagram.readerIndex(), datagram.readableBytes());
        }
        datagram.release();
    }

    /** Queues {@code count} frames laid at {@code stride} in {@code datagrams} (taking the buffer). */
    void sendSegments(ByteBuf datagrams, int count, int stride, Peer peer) {
        TcpLink link = link(peer);
        if (link != null) {
            int end = datagrams.writerIndex();
            for (int at = datagrams.readerIndex(); at < end; at += stride) {
                append(link, datagrams, at, Math.min(stride, end - at));
            }
        }
        datagrams.release();
    }

    /** Sends one frame at once to {@code peer}'s connection, whatever path the peer uses now (a probe). */
    public boolean sendNow(ByteBuf datagram, Peer peer) {
        TcpLink link = activeLink(peer);
        if (link == null) {
            datagram.release();
            return false;
        }
        link.sendNow(datagram);
        return true;
    }

    private void append(TcpLink link, ByteBuf src, int at, int length) {
        ByteBuf out = link.pending[worker];
        if (out != null && out.writableBytes() < TcpFrameReader.LENGTH_BYTES + length) {
            handOver(link, out);
            out = null;
        }
        if (out == null) {
            if (!link.channel().isWritable()) {
                counters.increment(Counter.DROP_TCP_FULL);
                return;
            }
            out = alloc.directBuffer(BATCH_BYTES, BATCH_BYTES);
            link.pending[worker] = out;
            touched.add(link);
        }
        out.writeShort(length).writeBytes(src, at, length);
    }

    /** Hands every batch gathered since the last flush to its connection. */
    void flush() {
        for (int i = 0, n = touched.size(); i < n; i++) {
            TcpLink link = touched.get(i);
            ByteBuf out = link.pending[worker];
            if (out != null) {
                handOver(link, out);
            }
        }
        touched.clear();
    }

    private void handOver(TcpLink link, ByteBuf out) {
        link.pending[worker] = null;
        link.channel().writeAndFlush(out, link.channel().voidPromise());
    }
}
