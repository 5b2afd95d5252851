package io.weft.dataplane.tun;

/**
 * What a TUN device was granted at open.
 *
 * @param vnetHdr  IFF_VNET_HDR: every read and write carries a 10-byte virtio_net_hdr
 * @param checksum TUN_F_CSUM: the kernel may hand out packets with a partial L4 checksum (NEEDS_CSUM) and takes them so
 * @param tso      TUN_F_TSO4|TSO6: reads may return TCP super-packets up to 64 KB and writes may be GSO packets
 * @param uso      TUN_F_USO4|USO6 (Linux 6.2+): the same for UDP
 */
public record TunOffloads(boolean vnetHdr, boolean checksum, boolean tso, boolean uso) {
    public static final TunOffloads NONE = new TunOffloads(false, false, false, false);
}
