package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * One TCP fallback connection to a weft peer, shared by every worker: each worker gathers the frames it sends to the
 * peer in its own batch ({@link #pending}, its slot touched by that worker's thread only) and hands the batch to the
 * channel once per flush, so a worker never waits for another and the connection sees few, large writes.
 */
public final class TcpLink {
    private final Channel channel;
    /** The peer's PublicIP (network order): the key the workers find this link by. */
    private final int peer;
    final ByteBuf[] pending;

    TcpLink(Channel channel, int peer, int workers) {
        this.channel = channel;
        this.peer = peer;
        this.pending = new ByteBuf[workers];
    }

    public Channel channel() {
        return channel;
    }

    public int peer() {
        return peer;
    }

    /** Writes one frame at once (a probe, or the answer to one): off the hot path, so it may allocate. */
    void sendNow(ByteBuf datagram) {
        ByteBuf framed = channel.alloc().directBuffer(TcpFrameReader.LENGTH_BYTES + datagram.readableBytes());
        framed.writeShort(datagram.readableBytes()).writeBytes(datagram);
        datagram.release();
        channel.writeAndFlush(framed, channel.voidPromise());
    }

    @Override
    public String toString() {
        return String.valueOf(channel.remoteAddress());
    }
}
