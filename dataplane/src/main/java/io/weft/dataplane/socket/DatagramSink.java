package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;

/** Takes received VXLAN datagrams: the worker's decapsulator. */
public interface DatagramSink {
    /**
     * One datagram, {@code length} bytes at {@code at} of {@code buf} (the UDP payload), from {@code sender} (an IPv4
     * address in network order, 0 if it came over IPv6) and {@code senderPort}. What it points into stays valid
     * until {@link #endOfBatch()}.
     */
    void datagram(ByteBuf buf, int at, int length, int sender, int senderPort);

    /**
     * One datagram that came over the IPv6 underlay, from {@code senderHi:senderLo} (network order) and
     * {@code senderPort}; as {@link #datagram} otherwise. A sink without an IPv6 overlay ignores it.
     */
    default void datagramV6(ByteBuf buf, int at, int length, long senderHi, long senderLo, int senderPort) {
    }

    /** The datagrams of one receive batch are all handed over; their buffers are reused after this returns. */
    void endOfBatch();
}
