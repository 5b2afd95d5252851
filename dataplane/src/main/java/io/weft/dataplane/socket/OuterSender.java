package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.weft.fdb.Peer;

import java.net.InetSocketAddress;

/**
 * Where every outer datagram leaves: the UDP side of a worker, as wireguard-go's {@code conn.Bind}. A datagram's
 * readable bytes are the UDP payload (VXLAN onward); the outer UDP/IP headers are the socket's. Every send takes
 * ownership of its buffer. {@link ChannelSender} sends through the worker's Netty channel; a test collects.
 * Used by the worker's event-loop thread only.
 */
public interface OuterSender {
    /** False, counted in {@code drop_socket_full}, while the socket's outbound queue is over its high-water mark. */
    boolean writable();

    /** Queues one datagram to {@code peer}. */
    void send(ByteBuf datagram, Peer peer);

    /**
     * Queues {@code count} datagrams to {@code peer}, laid back to back in {@code datagrams}' readable bytes at a
     * fixed {@code stride} (the last may be shorter): as few UDP GSO sends as the socket takes, or one each.
     */
    void sendSegments(ByteBuf datagrams, int count, int stride, Peer peer);

    /** Sends one datagram at once to an address that may belong to no peer in the table (an ARP reply). */
    void reply(ByteBuf datagram, InetSocketAddress to);

    /** Sends what was queued. */
    void flush();
}
