package io.weft.dataplane.probe;

import io.netty.buffer.ByteBuf;

/**
 * What the decap path consults before it writes a packet to the TUN: an ICMP echo reply addressed to our VTEP
 * address that carries our probe identifier is the answer to a probe, and goes to the prober instead of the kernel.
 * The worker calls {@link #offer} only for IPv4 ICMP packets addressed to our VTEP address (two int compares on the
 * hot path), so other traffic never reaches it.
 */
public interface ProbeReplies {
    /**
     * @param buf      the decapsulated packet's buffer
     * @param ipIndex  where its IPv4 header starts
     * @param ipLength its IPv4 total length
     * @return true if the packet was a probe reply and was consumed (do not write it to the TUN)
     */
    boolean offer(ByteBuf buf, int ipIndex, int ipLength);
}
