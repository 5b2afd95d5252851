package io.weft.dataplane.probe;

import io.netty.buffer.ByteBuf;

/**
 * What the decap path consults before it writes a packet to the TUN: an ICMP echo reply addressed to our VTEP
 * address that carries our probe identifier is the answer to a probe, and goes to the prober instead of the kernel.
 * The worker calls {@link #offer} only for IPv4 ICMP packets addressed to our VTEP address (two int compares on the
 * hot path), and IPv6 ICMPv6 packets addressed to our IPv6 VTEP address {@code <IPv6 subnet>::} (a byte and two long
 * compares), so other traffic never reaches it.
 */
public interface ProbeReplies {
    /**
     * @param buf      the decapsulated packet's buffer
     * @param ipIndex  where its IPv4 or IPv6 header starts
     * @param ipLength its length (IPv4 total length, or IPv6 header + payload)
     * @return true if the packet was a probe reply and was consumed (do not write it to the TUN)
     */
    boolean offer(ByteBuf buf, int ipIndex, int ipLength);
}
