package io.weft.dataplane.capture;

import io.netty.buffer.ByteBuf;

/**
 * Where a data-plane worker shows a VXLAN datagram it sends or receives, while a capture runs. Workers read the tap
 * from a volatile field and call it only when it is set, so a data plane that is not capturing pays one volatile read
 * per batch and nothing else.
 */
@FunctionalInterface
public interface PacketTap {
    int OUTBOUND = 0;
    int INBOUND = 1;

    /**
     * Called on the worker thread; must not block. The bytes are valid only during the call.
     *
     * @param direction     {@link #OUTBOUND} (encapsulated, about to be sent) or {@link #INBOUND} (received, passed the
     *                      VXLAN checks)
     * @param buf           holds the UDP payload: the 8-byte VXLAN header, then the inner Ethernet frame
     * @param index         where the VXLAN header starts in {@code buf}
     * @param length        UDP payload length
     * @param remoteAddress the peer's underlay address (destination when outbound, source when inbound), IPv4 as int
     * @param remotePort    the peer's UDP port
     */
    void onVxlan(int direction, ByteBuf buf, int index, int length, int remoteAddress, int remotePort);

    /**
     * As {@link #onVxlan}, for a datagram of the IPv6 underlay (the AF_INET6 socket: IPv6 overlay traffic, to and from
     * a peer's PublicIPv6 {@code remoteHi:remoteLo}). A tap that records only IPv4 leaves it out.
     */
    default void onVxlanV6(int direction, ByteBuf buf, int index, int length, long remoteHi, long remoteLo, int remotePort) {
    }
}
