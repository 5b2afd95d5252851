package io.weft.dataplane.interop;

import io.weft.labkit.netns.Underlay;

/**
 * weft (offloads on) ↔ kernel vxlan over an underlay whose veths have TX checksum offload off: the peer's inner
 * checksums arrive final, none partial; everything works as over the veth's defaults ({@link WeftKernelInterop8472Test}).
 */
class WeftKernelInteropTxChecksumOffTest extends WeftKernelInterop {
    @Override
    int port() {
        return 8472;
    }

    @Override
    String prefix() {
        return "wdp-k5";
    }

    /**
     * TX checksum offload off on both veth ends is what this test is about: the kernel peer completes every inner
     * checksum in software, as a host with a real NIC (or without checksum offload) sends them.
     */
    @Override
    Underlay.Links underlay() {
        return Underlay.Links.TX_CHECKSUM_OFF;
    }
}
