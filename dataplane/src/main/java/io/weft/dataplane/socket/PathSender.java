package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.weft.fdb.Peer;
import io.weft.fdb.path.PathCandidate;
import io.weft.fdb.path.PathKind;

import java.net.InetSocketAddress;

/**
 * The worker's {@link OuterSender}: each frame goes the way its peer is reached now (one acquire load of the peer's
 * path): over UDP ({@link ChannelSender}) or, for a peer the path chooser moved to TCP, over the peer's TCP fallback
 * connection ({@link TcpSender}); either way the same bytes. Used by the worker's loop only.
 */
public final class PathSender implements OuterSender {
    private final OuterSender udp;
    private final TcpSender tcp;

    public PathSender(OuterSender udp, TcpSender tcp) {
        this.udp = udp;
        this.tcp = tcp;
    }

    private static boolean onTcp(Peer peer) {
        PathCandidate c = peer.path().current();
        return c != null && c.kind() == PathKind.TCP;
    }

    /** The UDP socket's: a TCP batch that cannot be queued is counted where it is dropped. */
    @Override
    public boolean writable() {
        return udp.writable();
    }

    @Override
    public void send(ByteBuf datagram, Peer peer) {
        if (onTcp(peer)) {
            tcp.send(datagram, peer);
        } else {
            udp.send(datagram, peer);
        }
    }

    @Override
    public void sendSegments(ByteBuf datagrams, int count, int stride, Peer peer) {
        if (onTcp(peer)) {
            tcp.sendSegments(datagrams, count, stride, peer);
        } else {
            udp.sendSegments(datagrams, count, stride, peer);
        }
    }

    @Override
    public void reply(ByteBuf datagram, InetSocketAddress to) {
        udp.reply(datagram, to);
    }

    @Override
    public void flush() {
        udp.flush();
        tcp.flush();
    }
}
