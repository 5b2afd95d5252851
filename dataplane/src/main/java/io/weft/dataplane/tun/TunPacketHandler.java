package io.weft.dataplane.tun;

import io.netty.buffer.ByteBuf;
import io.weft.vtep.VxlanEncap;

/**
 * Takes the plain IP packets a {@link TunQueue} read: the worker's encapsulator. Every packet has at least
 * {@link VxlanEncap#OVERHEAD} free bytes before it, for the VXLAN and inner Ethernet headers.
 */
public interface TunPacketHandler {
    /**
     * One IP packet, {@code length} bytes at {@code ip} of {@code buf}.
     *
     * @return true if the handler took {@code buf} (it is queued for sending and freed when sent); false leaves
     *         {@code buf} to the queue
     */
    boolean packet(ByteBuf buf, int ip, int length);

    /**
     * The {@code count} segments (one or more) of one TSO/USO super-packet, laid back to back in {@code buf}'s readable
     * bytes at a fixed {@code stride}, the last possibly shorter: segment {@code i} occupies
     * {@code [i * stride, min((i + 1) * stride, writerIndex))}, its IP packet starting {@link VxlanEncap#OVERHEAD}
     * bytes in. All segments belong to one flow.
     *
     * @return true if the handler took {@code buf}; false leaves it to the queue
     */
    boolean segments(ByteBuf buf, int count, int stride);
}
