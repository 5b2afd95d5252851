package io.weft.dataplane.interop;

import io.weft.dataplane.netns.Traffic;
import io.weft.labkit.SystemTests;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.netns.Underlay;
import io.weft.labkit.process.Cmd;
import io.weft.labkit.vxlan.OverlayHost;
import io.weft.labkit.vxlan.StaticDataPlane;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Two weft hosts talk to each other (one with a single worker, one with a multi-queue TUN and two sockets). */
class WeftToWeftTest {
    private static final String PREFIX = "wdp-ww";
    private static final OverlayHost HOST_A = new OverlayHost("10.99.0.1", "10.244.1.0/24", "0e:2a:00:00:00:01");
    private static final OverlayHost HOST_B = new OverlayHost("10.99.0.2", "10.244.2.0/24", "0e:2a:00:00:00:02");

    private static void requireTools() {
        SystemTests.requireRoot();
        SystemTests.requireBinary("socat", "socat");
        SystemTests.requireBinary("ethtool", "ethtool");
    }

    @Test
    void twoWeftHostsExchangePingAndTcp() throws Exception {
        exchange(List.of(), List.of());
    }

    @Test
    void anOffloadingWeftAndAPerPacketWeftExchangePingAndTcp() throws Exception {
        exchange(List.of("--offloads", "on"), List.of("--offloads", "off"));
    }

    private static List<String> with(List<String> args, List<String> extra) {
        List<String> all = new ArrayList<>(args);
        all.addAll(extra);
        return all;
    }

    private void exchange(List<String> extraA, List<String> extraB) throws Exception {
        requireTools();
        OverlayHost a = HOST_A;
        OverlayHost b = HOST_B;
        try (Underlay net = new Underlay(PREFIX, a.underlayIp(), b.underlayIp());
             StaticDataPlane wa = StaticDataPlane.start(net.a, with(StaticDataPlane.args(PREFIX + "t0", a, "10.244.0.0/16", 8472, 1, b), extraA));
             StaticDataPlane wb = StaticDataPlane.start(net.b, with(StaticDataPlane.args(PREFIX + "t1", b, "10.244.0.0/16", 8472, 2, a), extraB))) {
            for (int size : new int[] {56, 1422}) {
                assertThat(Traffic.ping(net.a, b.vtepIp(), size, true).requireOk().output()).contains(" 0% packet loss");
                assertThat(Traffic.ping(net.b, a.vtepIp(), size, true).requireOk().output()).contains(" 0% packet loss");
            }
            byte[] data = Traffic.randomBytes(2 << 20, 7);
            assertThat(Traffic.sha256(Traffic.tcpTransfer(net.a, net.b, b.vtepIp(), 7003, data))).isEqualTo(Traffic.sha256(data));
            assertThat(Traffic.sha256(Traffic.tcpTransfer(net.b, net.a, a.vtepIp(), 7004, data))).isEqualTo(Traffic.sha256(data));
            assertThat(wa.counter("tx_packets")).isPositive();
            assertThat(wb.counter("rx_packets")).isPositive();
            assertThat(wa.counter("drop_unknown_sender") + wb.counter("drop_unknown_sender")).isZero();
        }
    }

    /**
     * A pod's TCP is forwarded through the host to the TUN, as on every Kubernetes node: its 64 KB super-packets
     * (46 segments at MTU 1450) must reach weft whole. If the TUN advertised fewer GSO segments than that, the kernel
     * would cut each into single packets before weft read it (as it did when weft capped the TUN at 44).
     */
    @Test
    void aPodsForwardedTcpReachesWeftAsSuperPackets() throws Exception {
        requireTools();
        OverlayHost a = HOST_A;
        OverlayHost b = HOST_B;
        try (Underlay net = new Underlay(PREFIX, a.underlayIp(), b.underlayIp());
             Netns pod = Netns.create(PREFIX + "p");
             StaticDataPlane wa = StaticDataPlane.start(net.a, StaticDataPlane.args(PREFIX + "t0", a, "10.244.0.0/16", 8472, 1, b));
             StaticDataPlane wb = StaticDataPlane.start(net.b, StaticDataPlane.args(PREFIX + "t1", b, "10.244.0.0/16", 8472, 1, a))) {
            assertThat(wa.command("caps")).contains("tun_tso=on", "udp_gso=on");
            // The pod behind host A, as the flannel CNI plugin wires it: a veth, the host side as its gateway.
            Cmd.run(20, "ip", "link", "add", PREFIX + "pv", "netns", pod.name(), "type", "veth", "peer", "name",
                    PREFIX + "ph", "netns", net.a.name()).requireOk();
            pod.ip("addr", "add", "10.244.1.2/24", "dev", PREFIX + "pv");
            pod.ip("link", "set", PREFIX + "pv", "mtu", "1450", "up");
            pod.ip("link", "set", "lo", "up");
            pod.ip("route", "add", "default", "via", "10.244.1.1");
            net.a.ip("addr", "add", "10.244.1.1/24", "dev", PREFIX + "ph");
            net.a.ip("link", "set", PREFIX + "ph", "mtu", "1450", "up");
            net.a.exec(20, "sysctl", "-qw", "net.ipv4.ip_forward=1").requireOk();

            long packetsBefore = wa.counter("tx_packets");
            long superBefore = wa.counter("tx_super_packets");
            byte[] data = Traffic.randomBytes(8 << 20, 11);
            assertThat(Traffic.sha256(Traffic.tcpTransfer(pod, net.b, b.vtepIp(), 7005, data))).isEqualTo(Traffic.sha256(data));
            long packets = wa.counter("tx_packets") - packetsBefore;
            long superPackets = wa.counter("tx_super_packets") - superBefore;
            // A 64 KB super-packet holds at most 48 segments at this MTU, so at least 3/4 of the stream came in
            // super-packets. (With the TUN capped at 44 segments: 52 super-packets for 6,005 packets, so at most
            // 2,288 of them; without the cap: 174.)
            assertThat(superPackets * 48).as("super-packets (%d) for %d packets sent", superPackets, packets)
                    .isGreaterThanOrEqualTo(packets * 3 / 4);
        }
    }
}
