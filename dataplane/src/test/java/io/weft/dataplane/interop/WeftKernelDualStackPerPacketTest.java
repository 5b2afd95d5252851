package io.weft.dataplane.interop;

/** weft dual-stack beside a kernel flannel.1 + flannel-v6.1 peer, weft's per-packet path (--offloads off). */
class WeftKernelDualStackPerPacketTest extends WeftKernelDualStackInterop {
    @Override
    String prefix() {
        return "wdp-d6b";
    }

    @Override
    boolean weftOffloads() {
        return false;
    }
}
