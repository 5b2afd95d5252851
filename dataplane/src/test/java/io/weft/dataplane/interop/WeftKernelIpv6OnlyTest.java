package io.weft.dataplane.interop;

/** weft in an IPv6-only cluster (EnableIPv4 false) beside a kernel flannel-v6.1 peer: IPv6 inner over the IPv6 underlay, no IPv4 table. */
class WeftKernelIpv6OnlyTest extends WeftKernelDualStackInterop {
    @Override
    String prefix() {
        return "wdp-d6c";
    }

    @Override
    boolean ipv4() {
        return false;
    }
}
