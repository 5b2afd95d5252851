package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;

/** Where {@link GroBatch} hands each packet it has finished: the worker writes it to the TUN, a test collects it. */
@FunctionalInterface
public interface GroSink {
    /**
     * One packet for a TUN opened with IFF_VNET_HDR, in {@code count} pieces: piece {@code i} is the bytes
     * {@code [indexes[i], indexes[i] + lengths[i])} of {@code bufs[i]}. Piece 0 starts with the 10-byte
     * virtio_net_hdr and holds the first received packet; each further piece is the payload of one more received
     * packet, so {@code count} is also how many received packets this one carries (1 when nothing was merged).
     * The arrays are reused after the call returns.
     */
    void write(ByteBuf[] bufs, int[] indexes, int[] lengths, int count);
}
