package io.weft.benchmarks.harness;

import io.weft.labkit.LabException;
import io.weft.labkit.etcd.TestCerts;
import io.weft.labkit.process.Cmd;
import io.weft.labkit.vxlan.KernelVxlan;
import io.weft.labkit.vxlan.StaticDataPlane;

import java.util.ArrayList;
import java.util.EnumMap;
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
            List<KernelVxlan> devices = new ArrayList<>();
            try {
                devices.add(kernelVxlan(rig, Rig.Side.A));
                devices.add(kernelVxlan(rig, Rig.Side.B));
            } catch (RuntimeException e) {
                devices.forEach(KernelVxlan::delete);
                throw e;
            }
            return new OverlayTunnel(Map.of(), devices);
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
            KernelVxlan kernel = kernelVxlan(rig, Rig.Side.B);
            try {
                StaticDataPlane weft = weft(rig, Rig.Side.A, settings, false);
                return new OverlayTunnel(Map.of(Rig.Side.A, weft), List.of(kernel));
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
            StaticDataPlane weftA = weft(rig, Rig.Side.A, settings, true);
            try {
                StaticDataPlane weftB = weft(rig, Rig.Side.B, settings, true);
                return new OverlayTunnel(Map.of(Rig.Side.A, weftA, Rig.Side.B, weftB), List.of());
            } catch (RuntimeException e) {
                weftA.close();
                throw e;
            }
        }
    },
    /** weft on both sides, every frame over the TCP fallback connection between them (forced; no probes). */
    WEFT_WEFT_TCP(null) {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            return overTcp(rig, settings, List.of());
        }
    },
    /** As {@link #WEFT_WEFT_TCP}, with mutual TLS (a throw-away CA; both ends show one certificate from it). */
    WEFT_WEFT_TCP_TLS("openssl") {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            TestCerts certs;
            try {
                certs = TestCerts.create(java.nio.file.Files.createTempDirectory("weft-bench-tls-"));
            } catch (java.io.IOException e) {
                throw new LabException("cannot make the bench's TLS certificates: " + e.getMessage(), e);
            }
            return overTcp(rig, settings, List.of("--tls-ca", certs.ca().toString(), "--tls-cert",
                    certs.serverCert().toString(), "--tls-key", certs.serverKey().toString()));
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

    static final String KERNEL_DEVICE = Rig.PREFIX + "vx";
    static final String WEFT_DEVICE = Rig.PREFIX + "w0";

    /** A program the tunnel needs beyond iproute2, iperf3 and ping, or null. */
    final String program;

    TunnelKind(String program) {
        this.program = program;
    }

    abstract Tunnel open(Rig rig, TunnelSettings settings);

    /** flannel.1 on {@code side}, with the other side as its one peer. */
    private static KernelVxlan kernelVxlan(Rig rig, Rig.Side side) {
        KernelVxlan vx = KernelVxlan.create(rig.ns(side), KERNEL_DEVICE, Overlay.VNI, Overlay.PORT,
                Overlay.self(rig, side), rig.veth(side), Overlay.MTU);
        try {
            vx.addPeer(Overlay.host(rig, side.other()));
        } catch (RuntimeException e) {
            vx.delete();
            throw e;
        }
        return vx;
    }

    /**
     * weft's data plane from weft.jar on {@code side}, with the other side as its one static peer (no etcd; the data
     * plane is the same one the agent runs). {@code peerIsWeft}: the peer is known as a weft host, as the agent knows
     * it from the record a weft peer writes beside its lease (its frames' inner checksums are then not summed again).
     */
    private static StaticDataPlane weft(Rig rig, Rig.Side side, TunnelSettings settings, boolean peerIsWeft) {
        StaticDataPlane.Jvm jvm = new StaticDataPlane.Jvm(settings.java(), settings.weftJavaOptions(), settings.weftJar().toString());
        List<String> args = new ArrayList<>(StaticDataPlane.args(WEFT_DEVICE, Overlay.self(rig, side),
                Overlay.NETWORK, Overlay.PORT, settings.weftWorkers(), Overlay.host(rig, side.other())));
        if (peerIsWeft) {
            args.set(args.size() - 1, args.get(args.size() - 1) + ",weft");
        }
        return StaticDataPlane.start(rig.ns(side), jvm, args);
    }

    private static Tunnel overTcp(Rig rig, TunnelSettings settings, List<String> extra) {
        StaticDataPlane weftA = weftOverTcp(rig, Rig.Side.A, settings, extra);
        try {
            StaticDataPlane weftB = weftOverTcp(rig, Rig.Side.B, settings, extra);
            return new OverlayTunnel(Map.of(Rig.Side.A, weftA, Rig.Side.B, weftB), List.of());
        } catch (RuntimeException e) {
            weftA.close();
            throw e;
        }
    }

    /** As {@link #weft}, with the peer reached over the TCP fallback on the VXLAN port's number. */
    private static StaticDataPlane weftOverTcp(Rig rig, Rig.Side side, TunnelSettings settings, List<String> extra) {
        StaticDataPlane.Jvm jvm = new StaticDataPlane.Jvm(settings.java(), settings.weftJavaOptions(), settings.weftJar().toString());
        List<String> args = new ArrayList<>(StaticDataPlane.args(WEFT_DEVICE, Overlay.self(rig, side), Overlay.NETWORK,
                Overlay.PORT, settings.weftWorkers(), Overlay.host(rig, side.other())));
        args.addAll(List.of("--tcp-port", Integer.toString(Overlay.PORT), "--self-ip", Overlay.host(rig, side).underlayIp()));
        args.addAll(extra);
        return StaticDataPlane.start(rig.ns(side), jvm, args);
    }

    /** An overlay between weft processes and/or kernel vxlan devices; addresses are the VTEP IPs. */
    private static final class OverlayTunnel implements Tunnel {
        private final Map<Rig.Side, StaticDataPlane> wefts;
        private final List<KernelVxlan> devices;

        OverlayTunnel(Map<Rig.Side, StaticDataPlane> wefts, List<KernelVxlan> devices) {
            this.wefts = new EnumMap<>(Rig.Side.class);
            this.wefts.putAll(wefts);
            this.devices = devices;
        }

        @Override
        public String addressOf(Rig.Side side) {
            return Overlay.vtepIp(side);
        }

        @Override
        public List<Cmd> processes() {
            List<Cmd> ps = new ArrayList<>();
            wefts.values().forEach(w -> ps.add(w.process()));
            return ps;
        }

        @Override
        public Map<String, Object> diagnostics() {
            Map<String, Object> d = new LinkedHashMap<>();
            wefts.forEach((side, w) -> {
                String stats;
                try {
                    stats = w.stats();
                } catch (LabException e) {
                    stats = null;
                }
                d.put("weft_" + side + "_counters", stats == null ? "no answer" : Json.parseOrText(stats));
            });
            return d;
        }

        @Override
        public void close() {
            wefts.values().forEach(StaticDataPlane::close);
            devices.forEach(KernelVxlan::delete);
        }
    }
}
