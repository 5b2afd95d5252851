package io.weft.dataplane.interop;

import io.weft.dataplane.netns.HostSpec;
import io.weft.dataplane.netns.Traffic;
import io.weft.dataplane.netns.Underlay;
import io.weft.dataplane.netns.WeftProcess;
import io.weft.fdb.testkit.SystemTests;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Two weft hosts talk to each other (one with a single worker, one with a multi-queue TUN and two sockets). */
class WeftToWeftTest {
    private static final String PREFIX = "wdp-ww";

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
        SystemTests.requireRoot();
        SystemTests.requireBinary("socat", "socat");
        SystemTests.requireBinary("ethtool", "ethtool");
        HostSpec a = new HostSpec("10.99.0.1", "10.244.1.0/24", "0e:2a:00:00:00:01");
        HostSpec b = new HostSpec("10.99.0.2", "10.244.2.0/24", "0e:2a:00:00:00:02");
        try (Underlay net = new Underlay(PREFIX, a.underlayIp(), b.underlayIp());
             WeftProcess wa = WeftProcess.start(net.a, with(WeftProcess.args(PREFIX + "t0", a, "10.244.0.0/16", 8472, 1, b), extraA));
             WeftProcess wb = WeftProcess.start(net.b, with(WeftProcess.args(PREFIX + "t1", b, "10.244.0.0/16", 8472, 2, a), extraB))) {
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
            if (wa.counter("tx_super_packets") > 0) {
                // MTU 1450: 65000 / (1450 + 22) = 44 segments fit one UDP GSO send, so TSO is capped there.
                assertThat(net.a.ip("-d", "link", "show", "dev", PREFIX + "t0")).contains("gso_max_segs 44 ");
            }
        }
    }
}
