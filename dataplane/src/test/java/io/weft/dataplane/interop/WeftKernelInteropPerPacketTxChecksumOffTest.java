package io.weft.dataplane.interop;

import io.weft.labkit.netns.Underlay;

/**
 * weft's per-packet path (--offloads off) ↔ kernel vxlan over an underlay whose veths have TX checksum offload off
 * (the veth's defaults are {@link WeftKernelInteropPerPacketTest}).
 */
class WeftKernelInteropPerPacketTxChecksumOffTest extends WeftKernelInterop {
    @Override
    int port() {
        return 8475;
    }

    @Override
    String prefix() {
        return "wdp-k6";
    }

    @Override
    boolean weftOffloads() {
        return false;
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
