package io.weft.dataplane.interop;

/** weft ↔ kernel vxlan on a non-default Backend.Port. */
class WeftKernelInterop8475Test extends WeftKernelInterop {
    @Override
    int port() {
        return 8475;
    }

    @Override
    String prefix() {
        return "wdp-k2";
    }
}
