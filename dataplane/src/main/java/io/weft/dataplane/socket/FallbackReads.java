package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The inbound handler of a worker's {@link VxlanSocket} channel. It takes only the datagrams Netty itself reads after
 * a socket error (see {@link VxlanSocket}), rare, so each goes to the sink on its own, and hands every failed send or
 * receive to the {@link ChannelSender}. The channel is bound before the worker that serves it exists, so the two are
 * joined by {@link #connect} before the worker's loop starts serving the socket; until then nothing arrives here.
 */
public final class FallbackReads extends ChannelInboundHandlerAdapter {
    private DatagramSink sink;
    private ChannelSender sender;

    /** On the loop, or before the loop serves the channel: where datagrams and failures go from now on. */
    public void connect(DatagramSink datagrams, ChannelSender failures) {
        this.sink = datagrams;
        this.sender = failures;
    }

    @Override
    public boolean isSharable() {
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DatagramSink s = sink;
        if (msg instanceof DatagramPacket && s != null) {
            DatagramPacket p = (DatagramPacket) msg;
            try {
                ByteBuf c = p.content();
                InetAddress from = p.sender().getAddress();
                if (from instanceof Inet4Address) {
                    // Inet4Address.hashCode() is the address itself.
                    s.datagram(c, c.readerIndex(), c.readableBytes(), from.hashCode(), p.sender().getPort());
                } else {
                    byte[] b = from.getAddress();
                    s.datagramV6(c, c.readerIndex(), c.readableBytes(), java.nio.ByteBuffer.wrap(b).getLong(0),
                            java.nio.ByteBuffer.wrap(b).getLong(8), p.sender().getPort());
                }
                s.endOfBatch();
            } finally {
                p.release();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ChannelSender s = sender;
        if (s != null) {
            s.failed(cause);
        }
    }
}
