package io.weft.dataplane.interop;

/** weft with its offloads forced off (--offloads off): the per-packet path still interoperates with kernel vxlan. */
class WeftKernelInteropPerPacketTest extends WeftKernelInterop {
    @Override
    int port() {
        return 8475;
    }

    @Override
    String prefix() {
        return "wdp-k4";
    }

    @Override
    boolean weftOffloads() {
        return false;
    }
}
