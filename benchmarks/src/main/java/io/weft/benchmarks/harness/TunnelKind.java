package io.weft.benchmarks.harness;

import io.weft.labkit.LabException;
import io.weft.labkit.etcd.TestCerts;
import io.weft.labkit.process.Cmd;
import io.weft.labkit.vxlan.KernelVxlan;
import io.weft.labkit.vxlan.OverlayHost6;
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
    /**
     * flannel-v6.1 on both sides, as flanneld programs it in an IPv6-only cluster: the IPv6 reference. VXLAN over the
     * IPv6 underlay between the PublicIPv6 addresses, inner IPv6 between the IPv6 VTEP addresses.
     */
    KERNEL_VXLAN6("bridge", true) {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            return ipv6(rig, () -> {
                List<KernelVxlan> devices = new ArrayList<>();
                try {
                    devices.add(kernelVxlan6(rig, Rig.Side.A));
                    devices.add(kernelVxlan6(rig, Rig.Side.B));
                } catch (RuntimeException e) {
                    devices.forEach(KernelVxlan::delete);
                    throw e;
                }
                return new OverlayTunnel(Map.of(), devices, true);
            });
        }
    },
    /** weft (IPv6-only) on side A, kernel flannel-v6.1 on side B: the mixed IPv6 cluster. */
    WEFT_KERNEL6("bridge", true) {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            return ipv6(rig, () -> {
                KernelVxlan kernel = kernelVxlan6(rig, Rig.Side.B);
                try {
                    StaticDataPlane weft = weft6(rig, Rig.Side.A, settings, false);
                    return new OverlayTunnel(Map.of(Rig.Side.A, weft), List.of(kernel), true);
                } catch (RuntimeException e) {
                    kernel.delete();
                    throw e;
                }
            });
        }
    },
    /** weft (IPv6-only) on both sides. */
    WEFT_WEFT6(null, true) {
        @Override
        Tunnel open(Rig rig, TunnelSettings settings) {
            return ipv6(rig, () -> {
                StaticDataPlane weftA = weft6(rig, Rig.Side.A, settings, true);
                try {
                    StaticDataPlane weftB = weft6(rig, Rig.Side.B, settings, true);
                    return new OverlayTunnel(Map.of(Rig.Side.A, weftA, Rig.Side.B, weftB), List.of(), true);
                } catch (RuntimeException e) {
                    weftA.close();
                    throw e;
                }
            });
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
    static final String KERNEL_DEVICE6 = Rig.PREFIX + "vx6";
    static final String WEFT_DEVICE = Rig.PREFIX + "w0";

    /** A program the tunnel needs beyond iproute2, iperf3 and ping, or null. */
    final String program;
    /** The tunnel carries inner IPv6 over the IPv6 underlay (and nothing else). */
    final boolean ipv6;

    TunnelKind(String program) {
        this(program, false);
    }

    TunnelKind(String program, boolean ipv6) {
        this.program = program;
        this.ipv6 = ipv6;
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
     * Opens an IPv6 tunnel with IPv6 on the devices it makes (the rig has it off elsewhere), then back off, so that
     * IPv4 tunnels opened later get no IPv6 traffic; the devices made meanwhile keep it.
     */
    private static Tunnel ipv6(Rig rig, java.util.function.Supplier<Tunnel> open) {
        rig.ipv6OnNewDevices(true);
        try {
            return open.get();
        } finally {
            rig.ipv6OnNewDevices(false);
        }
    }

    /** flannel-v6.1 on {@code side} over the rig's IPv6 underlay, with the other side as its one peer. */
    private static KernelVxlan kernelVxlan6(Rig rig, Rig.Side side) {
        KernelVxlan vx = KernelVxlan.createV6(rig.ns(side), KERNEL_DEVICE6, Overlay.VNI, Overlay.PORT,
                Overlay.host6(rig, side), rig.veth(side), Overlay.MTU6);
        try {
            vx.addPeerV6(Overlay.host6(rig, side.other()));
        } catch (RuntimeException e) {
            vx.delete();
            throw e;
        }
        return vx;
    }

    /**
     * As {@link #weft} for an IPv6-only host: the IPv6 lease half alone, the AF_INET6 socket bound to its PublicIPv6,
     * the other side as its one IPv6 peer. The TUN keeps MTU 1450; the IPv6 route through it has 1430.
     */
    private static StaticDataPlane weft6(Rig rig, Rig.Side side, TunnelSettings settings, boolean peerIsWeft) {
        OverlayHost6 self = Overlay.host6(rig, side);
        List<String> args = new ArrayList<>(List.of("--device", WEFT_DEVICE, "--port", Integer.toString(Overlay.PORT),
                "--mtu", Integer.toString(StaticDataPlane.MTU), "--subnet6", self.subnet(), "--network6", Overlay.NETWORK6,
                "--mac6", self.mac(), "--bind6", self.underlayIp(), "--mtu6", Integer.toString(Overlay.MTU6)));
        if (settings.weftWorkers() > 0) {
            args.addAll(List.of("--workers", Integer.toString(settings.weftWorkers())));
        }
        // no IPv4 half: "-" for its subnet, PublicIP and VtepMAC
        args.addAll(List.of("--peer", "-,-,-," + Overlay.host6(rig, side.other()).peerArg() + (peerIsWeft ? ",weft" : "")));
        return StaticDataPlane.start(rig.ns(side), jvm(settings), args);
    }

    /**
     * weft's data plane from weft.jar on {@code side}, with the other side as its one static peer (no etcd; the data
     * plane is the same one the agent runs). {@code peerIsWeft}: the peer is known as a weft host, as the agent knows
     * it from the record a weft peer writes beside its lease (its frames' inner checksums are then not summed again).
     */
    private static StaticDataPlane weft(Rig rig, Rig.Side side, TunnelSettings settings, boolean peerIsWeft) {
        List<String> args = new ArrayList<>(StaticDataPlane.args(WEFT_DEVICE, Overlay.self(rig, side),
                Overlay.NETWORK, Overlay.PORT, settings.weftWorkers(), Overlay.host(rig, side.other())));
        if (peerIsWeft) {
            args.set(args.size() - 1, args.get(args.size() - 1) + ",weft");
        }
        return StaticDataPlane.start(rig.ns(side), jvm(settings), args);
    }

    private static StaticDataPlane.Jvm jvm(TunnelSettings settings) {
        return new StaticDataPlane.Jvm(settings.java(), settings.weftJavaOptions(), settings.weftJar().toString());
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
        List<String> args = new ArrayList<>(StaticDataPlane.args(WEFT_DEVICE, Overlay.self(rig, side), Overlay.NETWORK,
                Overlay.PORT, settings.weftWorkers(), Overlay.host(rig, side.other())));
        args.addAll(List.of("--tcp-port", Integer.toString(Overlay.PORT), "--self-ip", Overlay.host(rig, side).underlayIp()));
        args.addAll(extra);
        return StaticDataPlane.start(rig.ns(side), jvm(settings), args);
    }

    /** An overlay between weft processes and/or kernel vxlan devices; addresses are the VTEP IPs. */
    private static final class OverlayTunnel implements Tunnel {
        private final Map<Rig.Side, StaticDataPlane> wefts;
        private final List<KernelVxlan> devices;
        private final boolean ipv6;

        OverlayTunnel(Map<Rig.Side, StaticDataPlane> wefts, List<KernelVxlan> devices) {
            this(wefts, devices, false);
        }

        OverlayTunnel(Map<Rig.Side, StaticDataPlane> wefts, List<KernelVxlan> devices, boolean ipv6) {
            this.wefts = new EnumMap<>(Rig.Side.class);
            this.wefts.putAll(wefts);
            this.devices = devices;
            this.ipv6 = ipv6;
        }

        @Override
        public String addressOf(Rig.Side side) {
            return ipv6 ? Overlay.vtepIp6(side) : Overlay.vtepIp(side);
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
