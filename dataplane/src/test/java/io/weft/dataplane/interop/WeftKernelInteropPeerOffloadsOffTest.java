package io.weft.dataplane.interop;

import io.weft.labkit.vxlan.KernelVxlan;

/**
 * weft (offloads on) ↔ a kernel vxlan peer whose own offloads are all off ({@code ethtool -K ... tx off tso off gso
 * off gro off} on its vxlan device and its underlay veth): the peer sends and takes only plain, fully checksummed
 * MTU-sized packets, so weft's splitting and merging must produce exactly what the kernel would.
 */
class WeftKernelInteropPeerOffloadsOffTest extends WeftKernelInterop {
    @Override
    int port() {
        return 8472;
    }

    @Override
    String prefix() {
        return "wdp-k3";
    }

    /** The peer's offloads off is the point of this test (its veth's TX checksum offload among them). */
    @Override
    boolean peerSendsPartialChecksums() {
        return false;
    }

    @Override
    void configurePeer(KernelVxlan vx) {
        for (String dev : new String[] {vx.device(), net.vethB}) {
            net.b.exec(20, "ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off", "gro", "off").requireOk();
        }
    }
}
