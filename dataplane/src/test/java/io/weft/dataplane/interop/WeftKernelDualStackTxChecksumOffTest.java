package io.weft.dataplane.interop;

import io.weft.labkit.netns.Underlay;

/**
 * As {@link WeftKernelDualStackTest}, with the underlay veths' TX checksum offload off (what a NIC that checksums
 * would deliver): the kernel peer then sends final checksums in MTU-sized segments, and weft merges its IPv6 TCP
 * segments (GRO) before its TUN. This test is about that case, so it changes the veth's default.
 */
class WeftKernelDualStackTxChecksumOffTest extends WeftKernelDualStackInterop {
    @Override
    String prefix() {
        return "wdp-d6d";
    }

    @Override
    Underlay.Links underlay() {
        return Underlay.Links.TX_CHECKSUM_OFF;
    }
}
