package io.weft.dataplane.interop;

import io.weft.dataplane.netns.Traffic;
import io.weft.labkit.SystemTests;
import io.weft.labkit.netns.Underlay;
import io.weft.labkit.process.Cmd;
import io.weft.labkit.vxlan.KernelVxlan;
import io.weft.labkit.vxlan.OverlayHost;
import io.weft.labkit.vxlan.StaticDataPlane;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Host A runs weft's data plane, host B a kernel vxlan device programmed as flanneld programs flannel.1; both
 * directions must work as between two flanneld hosts. Subclasses fix the UDP port (8472, 8475), weft's path
 * (offloads or per packet) and the underlay: the veth's defaults, with which the kernel peer sends inner TCP/UDP
 * checksums partial (issue 20), or TX checksum offload off, with which it sends them final.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WeftKernelInterop {
    static final String NETWORK = "10.244.0.0/16";
    static final int MTU = 1450;
    static final int VNI = 1;

    final OverlayHost hostA = new OverlayHost("10.99.0.1", "10.244.1.0/24", "0e:2a:00:00:00:01");
    final OverlayHost hostB = new OverlayHost("10.99.0.2", "10.244.2.0/24", "0e:2a:00:00:00:02");

    Underlay net;
    StaticDataPlane weft;

    abstract int port();

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

    /**
     * True if the kernel peer sends partial inner checksums: a veth with its default TX checksum offload never
     * completes them. False where the subclass turned that offload off.
     */
    boolean peerSendsPartialChecksums() {
        return underlay().txOffload();
    }

    /** Changes to the kernel peer after it is set up (e.g. its offloads turned off). */
    void configurePeer(KernelVxlan vx) {
    }

    @BeforeAll
    void startHosts() {
        SystemTests.requireRoot();
        for (String[] bin : new String[][] {{"ip", "iproute2"}, {"bridge", "iproute2"}, {"ping", "iputils-ping"},
                {"socat", "socat"}, {"iperf3", "iperf3"}, {"ethtool", "ethtool"}}) {
            SystemTests.requireBinary(bin[0], bin[1]);
        }
        net = new Underlay(prefix(), hostA.underlayIp(), hostB.underlayIp(), underlay());
        try {
            KernelVxlan vx = KernelVxlan.create(net.b, prefix() + "vx", VNI, port(), hostB, net.vethB, MTU);
            vx.addPeer(hostA);
            configurePeer(vx);
            java.util.List<String> args = new java.util.ArrayList<>(StaticDataPlane.args(prefix() + "t0", hostA, NETWORK, port(), 2, hostB));
            args.addAll(java.util.List.of("--offloads", weftOffloads() ? "on" : "off"));
            weft = StaticDataPlane.start(net.a, args);
        } catch (RuntimeException e) {
            stopHosts();
            throw e;
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
    void pingBothWaysAtSeveralSizesUpToTheMtu() {
        for (int size : new int[] {0, 56, 500, 1000, MTU - 28}) {
            assertThat(Traffic.ping(net.a, hostB.vtepIp(), size, true).requireOk().output())
                    .as("weft -> kernel, %d bytes", size).contains(" 0% packet loss");
            assertThat(Traffic.ping(net.b, hostA.vtepIp(), size, true).requireOk().output())
                    .as("kernel -> weft, %d bytes", size).contains(" 0% packet loss");
        }
    }

    @Test
    void pingWithDontFragmentAboveTheMtuFailsInsteadOfHanging() {
        Cmd.Result fromWeft = Traffic.ping(net.a, hostB.vtepIp(), MTU - 28 + 1, true);
        Cmd.Result fromKernel = Traffic.ping(net.b, hostA.vtepIp(), MTU - 28 + 1, true);
        for (Cmd.Result r : new Cmd.Result[] {fromWeft, fromKernel}) {
            assertThat(r.timedOut()).as("ping must not hang: %s", r.output()).isFalse();
            assertThat(r.exitCode()).as(r.output()).isNotZero();
            assertThat(r.output()).containsIgnoringCase("message too long");
        }
    }

    @Test
    void tcpBothWaysDeliversTheBytesIntact() throws Exception {
        long split = weft.counter("tx_super_packets");
        long merged = weft.counter("rx_merged_packets");
        byte[] data = Traffic.randomBytes(4 << 20, port());
        byte[] atKernel = Traffic.tcpTransfer(net.a, net.b, hostB.vtepIp(), 7001, data);
        assertThat(Traffic.sha256(atKernel)).as("weft -> kernel").isEqualTo(Traffic.sha256(data));
        long partial = weft.counter("rx_partial_csum");
        long received = weft.counter("rx_packets");
        long superPackets = weft.counter("rx_super_packets");
        byte[] atWeft = Traffic.tcpTransfer(net.b, net.a, hostA.vtepIp(), 7002, data);
        assertThat(Traffic.sha256(atWeft)).as("kernel -> weft").isEqualTo(Traffic.sha256(data));
        if (peerSendsPartialChecksums()) {
            assertThat(weft.counter("rx_partial_csum")).as("the kernel peer's partial checksums, taken").isGreaterThan(partial);
        } else {
            // A complete checksum that happens to equal the pseudo-header sum is both right and "partial" (completing
            // it writes the same value), so a stray one is counted; runs have also shown one such packet per 4 MB
            // transfer more often than chance alone explains (not yet understood). The bytes above arrived intact and
            // nothing was dropped, so this asserts the rate: the peer completes (nearly) all of its checksums, where a
            // peer with offloads on leaves every one partial.
            long receivedNow = weft.counter("rx_packets") - received;
            assertThat(weft.counter("rx_partial_csum") - partial).as("the peer completes its checksums (of %d received)",
                    receivedNow).isLessThanOrEqualTo(Math.max(2, receivedNow / 1000));
        }
        assertThat(weft.counter("drop_bad_checksum")).isZero();
        if (peerSendsPartialChecksums()) {
            // Over the veth's defaults the peer's TCP GSO packets cross the veth whole: one datagram of up to 64 KB
            // each, which weft hands to its TUN with a GSO header or cuts into MTU-sized segments.
            assertThat(weft.counter("rx_super_packets")).as("the kernel peer's GSO packets, taken whole")
                    .isGreaterThan(superPackets);
        }
        assertThat(weft.counter("drop_too_long")).isZero();
        if (weftOffloads()) {
            assertThat(weft.counter("tx_super_packets")).as("TSO super-packets split on the way out").isGreaterThan(split);
            if (!peerSendsPartialChecksums()) {
                // A peer whose veth completes checksums segments in software, so its segments arrive MTU-sized and
                // weft merges them. Over the veth's defaults the peer's GSO super-packets cross the veth whole and
                // reach weft's socket as one datagram each: nothing to merge (see issue 20's follow-up in the README).
                assertThat(weft.counter("rx_merged_packets")).as("segments merged on the way in").isGreaterThan(merged);
            }
        } else {
            assertThat(weft.counter("tx_super_packets")).isZero();
            assertThat(weft.counter("rx_merged_packets")).isZero();
        }
    }

    @Test
    void weftRunsOnTheExpectedPath() {
        String caps = weft.command("caps");
        if (weftOffloads()) {
            assertThat(caps).contains("mode=offloads", "tun_tso=on", "udp_gso=on", "udp_gro=on");
        } else {
            assertThat(caps).contains("mode=per-packet", "tun_vnet_hdr=off", "udp_gso=off");
        }
    }

    @Test
    void iperf3TcpRunsBothWays() throws Exception {
        String forward = Traffic.iperf3(net.a, net.b, hostB.vtepIp(), 5301, 2, false);
        String reverse = Traffic.iperf3(net.b, net.a, hostA.vtepIp(), 5302, 2, false);
        for (String json : new String[] {forward, reverse}) {
            assertThat(json).doesNotContain("\"error\"").contains("\"sum_received\"");
            assertThat(receivedBytes(json)).isGreaterThan(1_000_000L);
        }
    }

    @Test
    void udpDatagramsArriveBothWays() throws Exception {
        assertUdpArrives(net.a, net.b, hostB.vtepIp(), 9101);
        assertUdpArrives(net.b, net.a, hostA.vtepIp(), 9102);
    }

    private void assertUdpArrives(io.weft.labkit.netns.Netns from, io.weft.labkit.netns.Netns to, String toIp, int udpPort)
            throws Exception {
        Path out = Files.createTempFile("wdp-udp", ".bin");
        Process receiver = to.processBuilder("socat", "-u", "UDP-RECV:" + udpPort, "OPEN:" + out + ",creat,append")
                .redirectErrorStream(true).start();
        try {
            Thread.sleep(300);
            byte[] expected = new byte[0];
            for (int i = 0; i < 5; i++) {
                byte[] d = Traffic.randomBytes(1000 + i * 80, udpPort * 10L + i);
                Traffic.sendDatagram(from, toIp, udpPort, d, null);
                byte[] e = Arrays.copyOf(expected, expected.length + d.length);
                System.arraycopy(d, 0, e, expected.length, d.length);
                expected = e;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (Files.size(out) < expected.length && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(Traffic.sha256(Files.readAllBytes(out))).as("UDP to %s", toIp).isEqualTo(Traffic.sha256(expected));
        } finally {
            receiver.descendants().forEach(ProcessHandle::destroyForcibly);
            receiver.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    @Test
    void badFramesAreDroppedAndCountedAndTheTunnelKeepsWorking() throws Exception {
        String a = hostA.underlayIp();
        String ourMac = hostA.mac();
        String src = hostB.vtepIp();
        String dst = hostA.vtepIp();
        sendAndExpect("drop_wrong_vni", Frames.ipv4(0x08000000, VNI + 1, 0, ourMac, hostB.mac(), src, dst), null);
        sendAndExpect("drop_reserved_bits", Frames.ipv4(0x08000001, VNI, 0, ourMac, hostB.mac(), src, dst), null);
        sendAndExpect("drop_reserved_bits", Frames.ipv4(0x08000000, VNI, 7, ourMac, hostB.mac(), src, dst), null);
        sendAndExpect("drop_bad_flags", Frames.ipv4(0x88000000, VNI, 0, ourMac, hostB.mac(), src, dst), null);
        sendAndExpect("drop_short", new byte[] {0x08, 0, 0, 0, 0}, null);
        byte[] garbage = Traffic.randomBytes(300, 42);
        garbage[0] = (byte) 0xA5;
        sendAndExpect("drop_bad_flags", garbage, null);
        sendAndExpect("drop_not_our_mac", Frames.ipv4(0x08000000, VNI, 0, "0e:2a:00:00:00:99", hostB.mac(), src, dst), null);
        sendAndExpect("drop_not_local", Frames.ipv4(0x08000000, VNI, 0, ourMac, hostB.mac(), src, "10.244.9.9"), null);
        // From the peer's own address, but from a pod address that is not in its subnet (another host's, or nobody's).
        sendAndExpect("drop_spoofed_source", Frames.ipv4(0x08000000, VNI, 0, ourMac, hostB.mac(), "10.244.9.9", dst), null);
        sendAndExpect("drop_spoofed_source", Frames.ipv4(0x08000000, VNI, 0, ourMac, hostB.mac(), "10.244.1.7", dst), null);
        net.b.ip("addr", "add", "10.99.0.3/24", "dev", net.vethB);
        sendAndExpect("drop_unknown_sender", Frames.ipv4(0x08000000, VNI, 0, ourMac, hostB.mac(), src, dst), "10.99.0.3");
        // A non-peer's garbage is dropped as unknown_sender, before it is parsed (not as bad_flags).
        sendAndExpect("drop_unknown_sender", garbage, "10.99.0.3");
        sendAndExpect("arp_replies", Frames.arpRequest(VNI, hostB.mac(), hostB.vtepIp(), hostA.vtepIp()), null);
        assertThat(a).isNotEmpty();
        assertThat(Traffic.ping(net.b, hostA.vtepIp(), 56, true).requireOk().output()).contains(" 0% packet loss");
        assertThat(Traffic.ping(net.a, hostB.vtepIp(), 56, true).requireOk().output()).contains(" 0% packet loss");
    }

    private void sendAndExpect(String counter, byte[] datagram, String bindIp) throws Exception {
        long before = weft.counter(counter);
        long rxBefore = weft.counter("rx_packets");
        Traffic.sendDatagram(net.b, hostA.underlayIp(), port(), datagram, bindIp);
        long after = awaitAbove(() -> weft.counter(counter), before);
        assertThat(after).as("%s after one such datagram; stats: %s", counter, weft.stats()).isEqualTo(before + 1);
        assertThat(weft.counter("rx_packets")).as("nothing was delivered to the TUN").isEqualTo(rxBefore);
    }

    @Test
    void aPeerRemovedAtRuntimeIsUnreachableAndReachableAgainWhenAdded() {
        try {
            assertThat(weft.command("peer del " + hostB.subnet())).isEqualTo("ok");
            long noRoute = weft.counter("drop_no_route");
            Cmd.Result r = Traffic.ping(net.a, hostB.vtepIp(), 56, false);
            assertThat(r.exitCode()).as(r.output()).isNotZero();
            assertThat(weft.counter("drop_no_route")).isGreaterThan(noRoute);
        } finally {
            assertThat(weft.command("peer add " + hostB.subnet() + " " + hostB.underlayIp() + " " + hostB.mac())).isEqualTo("ok");
        }
        assertThat(Traffic.ping(net.a, hostB.vtepIp(), 56, false).requireOk().output()).contains(" 0% packet loss");
        assertThat(weft.stats()).contains("\"" + hostB.underlayIp() + "\":{\"tx_packets\":");
    }

    static long awaitAbove(LongSupplier value, long floor) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long v = value.getAsLong();
        while (v <= floor && System.nanoTime() < deadline) {
            Thread.sleep(50);
            v = value.getAsLong();
        }
        return v;
    }

    static long receivedBytes(String iperfJson) {
        int at = iperfJson.indexOf("\"sum_received\"");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"bytes\":\\s*(\\d+)").matcher(iperfJson);
        return m.find(at) ? Long.parseLong(m.group(1)) : 0;
    }
}
