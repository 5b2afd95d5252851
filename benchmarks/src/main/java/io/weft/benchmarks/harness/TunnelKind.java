package io.weft.benchmarks.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The tunnels the bench builds on the rig, one at a time. */
enum TunnelKind {
    /** No tunnel: the veth itself. */
    VETH(null) {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            return new Tunnel() {
                @Override
                public String addressOf(Rig.Side side) {
                    return rig.underlayIp(side);
                }

                @Override
                public void close() {
                    // nothing was set up
                }
            };
        }
    },
    /** flannel.1 on both sides: the ceiling weft is measured against. */
    KERNEL_VXLAN("bridge") {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            OverlayHost a = OverlayHost.of(Rig.Side.A);
            OverlayHost b = OverlayHost.of(Rig.Side.B);
            List<KernelVxlanDevice> devices = new ArrayList<>();
            try {
                devices.add(KernelVxlanDevice.create(rig, a, KERNEL_DEVICE));
                devices.add(KernelVxlanDevice.create(rig, b, KERNEL_DEVICE));
                devices.get(0).addPeer(b);
                devices.get(1).addPeer(a);
            } catch (RuntimeException e) {
                devices.forEach(KernelVxlanDevice::delete);
                throw e;
            }
            return new OverlayTunnel(List.of(), devices);
        }
    },
    /**
     * flannel.1 on both sides with TX checksum offload on the veth turned on for the duration: the kernel's best
     * case on this machine (GSO super-packets cross the veth unsegmented), shown next to the same-rig reference.
     */
    KERNEL_VXLAN_VETH_OFFLOAD("bridge") {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            rig.setTxOffload(true);
            Tunnel kernel;
            try {
                kernel = KERNEL_VXLAN.open(rig, settings);
            } catch (RuntimeException e) {
                rig.setTxOffload(rig.txOffload);
                throw e;
            }
            return new Tunnel() {
                @Override
                public String addressOf(Rig.Side side) {
                    return kernel.addressOf(side);
                }

                @Override
                public void close() {
                    kernel.close();
                    rig.setTxOffload(rig.txOffload);
                }
            };
        }
    },
    /** weft on side A, kernel flannel.1 on side B: the mixed cluster. */
    WEFT_KERNEL("bridge") {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            OverlayHost a = OverlayHost.of(Rig.Side.A);
            OverlayHost b = OverlayHost.of(Rig.Side.B);
            KernelVxlanDevice kernel = KernelVxlanDevice.create(rig, b, KERNEL_DEVICE);
            try {
                kernel.addPeer(a);
                WeftHost weft = WeftHost.start(rig, a, b, WEFT_DEVICE, settings);
                return new OverlayTunnel(List.of(weft), List.of(kernel));
            } catch (RuntimeException e) {
                kernel.delete();
                throw e;
            }
        }
    },
    /** weft on both sides. */
    WEFT_WEFT(null) {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            OverlayHost a = OverlayHost.of(Rig.Side.A);
            OverlayHost b = OverlayHost.of(Rig.Side.B);
            WeftHost weftA = WeftHost.start(rig, a, b, WEFT_DEVICE, settings);
            try {
                WeftHost weftB = WeftHost.start(rig, b, a, WEFT_DEVICE, settings);
                return new OverlayTunnel(List.of(weftA, weftB), List.of());
            } catch (RuntimeException e) {
                weftA.close();
                throw e;
            }
        }
    },
    /** OpenVPN 2.6 peer to peer in the clear, without DCO: a classic user-space tunnel (fast-path.md §5). */
    OPENVPN("openvpn") {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            return PointToPointTunnel.openVpn(rig);
        }
    },
    /** socat relaying UDP to a TUN, one packet per syscall: flannel's old udp backend, in effect. */
    SOCAT("socat") {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            return PointToPointTunnel.socat(rig);
        }
    };

    static final String KERNEL_DEVICE = Netns.PREFIX + "vx";
    static final String WEFT_DEVICE = Netns.PREFIX + "w0";

    /** A program the tunnel needs beyond iproute2, iperf3 and ping, or null. */
    final String program;

    TunnelKind(String program) {
        this.program = program;
    }

    abstract Tunnel open(Rig rig, TunnelSettings settings);

    /** An overlay between weft processes and/or kernel vxlan devices; addresses are the VTEP IPs. */
    private static final class OverlayTunnel implements Tunnel {
        private final List<WeftHost> wefts;
        private final List<KernelVxlanDevice> devices;

        OverlayTunnel(List<WeftHost> wefts, List<KernelVxlanDevice> devices) {
            this.wefts = wefts;
            this.devices = devices;
        }

        @Override
        public String addressOf(Rig.Side side) {
            return OverlayHost.of(side).vtepIp();
        }

        @Override
        public List<ServiceProcess> processes() {
            List<ServiceProcess> ps = new ArrayList<>();
            wefts.forEach(w -> ps.add(w.process()));
            return ps;
        }

        @Override
        public Map<String, Object> diagnostics() {
            Map<String, Object> d = new LinkedHashMap<>();
            for (WeftHost w : wefts) {
                String stats = w.stats();
                d.put(w.process().name.replace('-', '_') + "_counters", stats == null ? "no answer" : Json.parseOrText(stats));
            }
            return d;
        }

        @Override
        public void close() {
            wefts.forEach(WeftHost::close);
            devices.forEach(KernelVxlanDevice::delete);
        }
    }
}
