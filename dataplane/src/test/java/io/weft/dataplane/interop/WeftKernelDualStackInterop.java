package io.weft.dataplane.interop;

import io.weft.dataplane.netns.Traffic;
import io.weft.labkit.SystemTests;
import io.weft.labkit.netns.Underlay;
import io.weft.labkit.process.Cmd;
import io.weft.labkit.vxlan.KernelVxlan;
import io.weft.labkit.vxlan.OverlayHost;
import io.weft.labkit.vxlan.OverlayHost6;
import io.weft.labkit.vxlan.StaticDataPlane;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Host A runs weft's data plane with an IPv6 overlay on its one TUN device; host B is a dual-stack flanneld host:
 * kernel {@code flannel.1} over the IPv4 underlay and {@code flannel-v6.1} over the IPv6 underlay, programmed as
 * flanneld programs them (or {@code flannel-v6.1} alone, for an IPv6-only cluster). Both families must work both ways,
 * with ping and with TCP whose bytes arrive intact, over veths with their default offloads (so the kernel peer sends
 * partial inner checksums and whole GSO packets). Subclasses fix the path (offloads or per packet) and the families.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WeftKernelDualStackInterop {
    static final String NETWORK = "10.244.0.0/16";
    static final String NETWORK6 = "fd44::/48";
    static final int MTU = 1450;
    /** The IPv6 route MTU: a 1500-byte IPv6 underlay minus 70. */
    static final int MTU6 = 1430;
    static final int VNI = 1;
    static final int PORT = 8472;

    final OverlayHost hostA = new OverlayHost("10.99.0.1", "10.244.1.0/24", "0e:2a:00:00:00:01");
    final OverlayHost hostB = new OverlayHost("10.99.0.2", "10.244.2.0/24", "0e:2a:00:00:00:02");
    final OverlayHost6 hostA6 = new OverlayHost6("fd99::1", "fd44:0:0:1::/64", "0e:2a:00:00:06:01");
    final OverlayHost6 hostB6 = new OverlayHost6("fd99::2", "fd44:0:0:2::/64", "0e:2a:00:00:06:02");

    Underlay net;
    StaticDataPlane weft;

    /** Namespace and interface prefix for this class, starting with wdp-. */
    abstract String prefix();

    /** True to run weft with TSO/GSO/GRO (the default), false to force its per-packet path. */
    boolean weftOffloads() {
        return true;
    }

    /** The underlay veth pair's settings: the veth's defaults unless the subclass is about another case. */
    Underlay.Links underlay() {
        return Underlay.Links.DEFAULT;
    }

    /** True if the kernel peer sends partial inner checksums (and whole GSO packets): a veth with its TX offload on. */
    boolean peerSendsPartialChecksums() {
        return underlay().txOffload();
    }

    /** False for an IPv6-only cluster (flanneld's EnableIPv4: false): no IPv4 overlay on either host. */
    boolean ipv4() {
        return true;
    }

    @BeforeAll
    void startHosts() {
        SystemTests.requireRoot();
        for (String[] bin : new String[][] {{"ip", "iproute2"}, {"bridge", "iproute2"}, {"ping", "iputils-ping"},
                {"socat", "socat"}}) {
            SystemTests.requireBinary(bin[0], bin[1]);
        }
        net = new Underlay(prefix(), hostA.underlayIp(), hostB.underlayIp(), underlay());
        try {
            // nodad: usable at once, as a host's long-configured address is
            net.a.ip("-6", "addr", "add", hostA6.underlayIp() + "/64", "dev", net.vethA, "nodad");
            net.b.ip("-6", "addr", "add", hostB6.underlayIp() + "/64", "dev", net.vethB, "nodad");
            if (ipv4()) {
                KernelVxlan vx = KernelVxlan.create(net.b, prefix() + "vx", VNI, PORT, hostB, net.vethB, MTU);
                vx.addPeer(hostA);
            }
            KernelVxlan vx6 = KernelVxlan.createV6(net.b, prefix() + "v6", VNI, PORT, hostB6, net.vethB, MTU6);
            vx6.addPeerV6(hostA6);
            List<String> args = new ArrayList<>(List.of("--device", prefix() + "t0", "--port", Integer.toString(PORT),
                    "--mtu", Integer.toString(MTU), "--workers", "2", "--offloads", weftOffloads() ? "on" : "off",
                    "--subnet6", hostA6.subnet(), "--network6", NETWORK6, "--mac6", hostA6.mac(),
                    "--bind6", hostA6.underlayIp(), "--mtu6", Integer.toString(MTU6)));
            if (ipv4()) {
                args.addAll(List.of("--subnet", hostA.subnet(), "--network", NETWORK, "--mac", hostA.mac(),
                        "--peer", hostB.peerArg() + "," + hostB6.peerArg()));
            } else {
                args.addAll(List.of("--peer", "-,-,-," + hostB6.peerArg()));
            }
            weft = StaticDataPlane.start(net.a, args);
            awaitIpv6Neighbours();
        } catch (RuntimeException e) {
            stopHosts();
            throw e;
        }
    }

    /**
     * A fresh IPv6 underlay resolves its neighbours (NDP on the veth) while the first packets wait, and a kernel drops
     * what does not fit its queue: the rig is ready once one IPv6 ping has gone each way (at most 10 tries). The tests
     * then ask for every packet.
     */
    private void awaitIpv6Neighbours() {
        for (int i = 0; i < 10; i++) {
            if (Traffic.ping(net.a, hostB6.vtepIp(), 56, false).ok() && Traffic.ping(net.b, hostA6.vtepIp(), 56, false).ok()) {
                return;
            }
        }
    }

    @AfterAll
    void stopHosts() {
        if (weft != null) {
            weft.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void ipv6PingWorksBothWaysAtSeveralSizesUpToTheIpv6Mtu() {
        for (int size : new int[] {0, 56, 500, 1000, MTU6 - 48}) {
            assertThat(Traffic.ping(net.a, hostB6.vtepIp(), size, true).requireOk().output())
                    .as("weft -> kernel over IPv6, %d bytes", size).contains(" 0% packet loss");
            assertThat(Traffic.ping(net.b, hostA6.vtepIp(), size, true).requireOk().output())
                    .as("kernel -> weft over IPv6, %d bytes", size).contains(" 0% packet loss");
        }
    }

    @Test
    void anIpv6PingAboveTheIpv6RouteMtuFailsInsteadOfHanging() {
        Cmd.Result r = Traffic.ping(net.a, hostB6.vtepIp(), MTU6 - 48 + 1, true);
        assertThat(r.timedOut()).as(r.output()).isFalse();
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.output()).containsIgnoringCase("message too long");
    }

    @Test
    void ipv4PingStillWorksBesideIpv6() {
        if (!ipv4()) {
            Cmd.Result r = Traffic.ping(net.a, hostB.vtepIp(), 56, false);
            assertThat(r.exitCode()).as("no IPv4 overlay in an IPv6-only cluster: %s", r.output()).isNotZero();
            return;
        }
        assertThat(Traffic.ping(net.a, hostB.vtepIp(), MTU - 28, true).requireOk().output()).contains(" 0% packet loss");
        assertThat(Traffic.ping(net.b, hostA.vtepIp(), MTU - 28, true).requireOk().output()).contains(" 0% packet loss");
    }

    @Test
    void ipv6TcpBothWaysDeliversTheBytesIntact() throws Exception {
        long split = weft.counter("tx_super_packets");
        long partial = weft.counter("rx_partial_csum");
        long superPackets = weft.counter("rx_super_packets");
        long merged = weft.counter("rx_merged_packets");
        byte[] data = Traffic.randomBytes(4 << 20, 6);
        byte[] atKernel = Traffic.tcpTransfer(net.a, net.b, hostB6.vtepIp(), 7601, data);
        assertThat(Traffic.sha256(atKernel)).as("weft -> kernel over IPv6").isEqualTo(Traffic.sha256(data));
        byte[] atWeft = Traffic.tcpTransfer(net.b, net.a, hostA6.vtepIp(), 7602, data);
        assertThat(Traffic.sha256(atWeft)).as("kernel -> weft over IPv6").isEqualTo(Traffic.sha256(data));

        if (peerSendsPartialChecksums()) {
            assertThat(weft.counter("rx_partial_csum")).as("the kernel peer's partial IPv6 checksums, taken")
                    .isGreaterThan(partial);
            assertThat(weft.counter("rx_super_packets")).as("the kernel peer's IPv6 GSO packets, taken whole")
                    .isGreaterThan(superPackets);
        } else if (weftOffloads()) {
            // A peer whose veth completes checksums segments in software: MTU-sized IPv6 TCP segments, which weft
            // merges (GRO) before its TUN.
            assertThat(weft.counter("rx_merged_packets")).as("IPv6 TCP segments merged on the way in")
                    .isGreaterThan(merged);
        }
        assertThat(weft.counter("drop_bad_checksum")).isZero();
        assertThat(weft.counter("drop_too_long")).isZero();
        if (weftOffloads()) {
            assertThat(weft.counter("tx_super_packets")).as("TSO6 super-packets split on the way out").isGreaterThan(split);
        } else {
            assertThat(weft.counter("tx_super_packets")).isZero();
        }
        assertNoDrops();
    }

    @Test
    void ipv4TcpBothWaysDeliversTheBytesIntactBesideIpv6() throws Exception {
        if (!ipv4()) {
            return;
        }
        byte[] data = Traffic.randomBytes(4 << 20, 4);
        assertThat(Traffic.sha256(Traffic.tcpTransfer(net.a, net.b, hostB.vtepIp(), 7401, data)))
                .as("weft -> kernel over IPv4").isEqualTo(Traffic.sha256(data));
        assertThat(Traffic.sha256(Traffic.tcpTransfer(net.b, net.a, hostA.vtepIp(), 7402, data)))
                .as("kernel -> weft over IPv4").isEqualTo(Traffic.sha256(data));
        assertNoDrops();
    }

    @Test
    void aNeighbourSolicitationForOurIpv6VtepAddressIsAnswered() throws Exception {
        long before = weft.counter("ndp_replies");
        byte[] ns = Frames.neighbourSolicitation(VNI, hostA6.mac(), hostB6.mac(), hostB6.vtepIp(), hostA6.vtepIp());
        Traffic.sendDatagram(net.b, hostA6.underlayIp(), PORT, ns, hostB6.underlayIp());
        assertThat(WeftKernelInterop.awaitAbove(() -> weft.counter("ndp_replies"), before)).as(weft.stats())
                .isEqualTo(before + 1);
        assertThat(Traffic.ping(net.b, hostA6.vtepIp(), 56, true).requireOk().output()).contains(" 0% packet loss");
    }

    @Test
    void weftRunsOnTheExpectedPath() {
        String caps = weft.command("caps");
        assertThat(caps).contains(weftOffloads() ? "mode=offloads" : "mode=per-packet");
    }

    /** The drops a working tunnel never has (a TUN-side no_route for the kernel's own probes aside). */
    private void assertNoDrops() {
        for (String c : new String[] {"drop_unknown_sender", "drop_spoofed_source", "drop_not_our_mac", "drop_not_local",
                "drop_wrong_family", "drop_bad_ip", "drop_bad_checksum", "drop_bad_offload"}) {
            assertThat(weft.counter(c)).as("%s; stats %s", c, weft.stats()).isZero();
        }
    }
}
