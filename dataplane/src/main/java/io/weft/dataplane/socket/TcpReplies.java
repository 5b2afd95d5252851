package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.weft.fdb.Peer;

import java.net.InetSocketAddress;

/**
 * The {@link OuterSender} the decapsulator of TCP-borne frames answers through (a path probe, an ARP request): back
 * over the connection the frame came on, whatever its address says. The connection is set before each read is fed.
 * Used by one worker's loop only.
 */
public final class TcpReplies implements OuterSender {
    private TcpLink current;

    void from(TcpLink link) {
        this.current = link;
    }

    @Override
    public boolean writable() {
        return current != null && current.channel().isWritable();
    }

    @Override
    public void send(ByteBuf datagram, Peer peer) {
        reply(datagram, null);
    }

    @Override
    public void sendSegments(ByteBuf datagrams, int count, int stride, Peer peer) {
        datagrams.release(); // the receive path answers single frames only
    }

    @Override
    public void reply(ByteBuf datagram, InetSocketAddress to) {
        TcpLink link = current;
        if (link == null) {
            datagram.release();
        } else {
            link.sendNow(datagram);
        }
    }

    @Override
    public void flush() {
        // every reply is flushed as it is written
    }
}
