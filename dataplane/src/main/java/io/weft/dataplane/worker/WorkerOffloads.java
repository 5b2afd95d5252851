package io.weft.dataplane.worker;

/**
 * The offloads a worker uses, as probed at start-up.
 *
 * @param vnetHdr the TUN queue carries a virtio_net_hdr on every read and write (TSO reads, GRO writes)
 * @param udpGso  the socket can send UDP GSO batches (UDP_SEGMENT); a worker turns it off itself on EIO
 */
public record WorkerOffloads(boolean vnetHdr, boolean udpGso) {
    public static final WorkerOffloads NONE = new WorkerOffloads(false, false);
}
