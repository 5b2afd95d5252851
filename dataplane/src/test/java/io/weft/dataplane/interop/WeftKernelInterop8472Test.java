package io.weft.dataplane.interop;

/** weft ↔ kernel vxlan on flannel's default port. */
class WeftKernelInterop8472Test extends WeftKernelInterop {
    @Override
    int port() {
        return 8472;
    }

    @Override
    String prefix() {
        return "wdp-k1";
    }
}
