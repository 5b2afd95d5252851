package io.weft.dataplane.interop;

/** weft dual-stack beside a kernel flannel.1 + flannel-v6.1 peer. */
class WeftKernelDualStackTest extends WeftKernelDualStackInterop {
    @Override
    String prefix() {
        return "wdp-d6a";
    }

}
