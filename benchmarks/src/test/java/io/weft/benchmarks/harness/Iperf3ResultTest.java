package io.weft.benchmarks.harness;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class Iperf3ResultTest {

    @Test
    void tcpFiguresComeFromTheReceiverEvenInReverseWithSeveralStreams() {
        // iperf3 3.12 -P 2 -R: sum_sent is the server's sending side, sum_received what the client got.
        Iperf3Result r = Iperf3Result.parse(Fixtures.resource("iperf3-tcp-p2-reverse.json"));
        assertThat(r.bitsPerSecond()).isEqualTo(11597158741.744007);
        assertThat(r.gigabitsPerSecond()).isCloseTo(11.597, within(0.001));
        assertThat(r.bytes()).isEqualTo(1451884544L);
        assertThat(r.retransmits()).isEqualTo(28);
        assertThat(r.udpPackets()).isZero();
    }

    @Test
    void udpPacketsPerSecondCountOnlyWhatArrived() {
        // sum_received: 161533 datagrams accounted for, 121546 lost, in 1.001349 s.
        Iperf3Result r = Iperf3Result.parse(Fixtures.resource("iperf3-udp-1400.json"));
        assertThat(r.udpPackets()).isEqualTo(161533);
        assertThat(r.udpLost()).isEqualTo(121546);
        assertThat(r.udpKiloPacketsPerSecond()).isCloseTo((161533 - 121546) / 1.001349 / 1000, within(1e-9));
        assertThat(r.udpKiloPacketsPerSecond()).isCloseTo(39.93, within(0.01));
        // iperf3's own figure, which counts against the 161630 datagrams the sender sent.
        assertThat(r.udpLossPercent()).isCloseTo(100.0 * 121546 / 161630, within(1e-9));
        // Cross-check: what arrived is the received byte count in 1400-byte datagrams.
        assertThat(r.bytes()).isEqualTo((161533L - 121546L) * 1400);
    }

    @Test
    void anIperf3ErrorBecomesAnExceptionWithItsMessage() {
        assertThatThrownBy(() -> Iperf3Result.parse(Fixtures.resource("iperf3-refused.json")))
                .isInstanceOf(BenchException.class)
                .hasMessage("iperf3: unable to connect to server: Connection refused");
    }

    @Test
    void outputThatIsNotIperf3JsonIsNamedInTheError() {
        assertThatThrownBy(() -> Iperf3Result.parse("iperf3: error - the server is busy running a test"))
                .isInstanceOf(BenchException.class).hasMessageContaining("not valid JSON")
                .hasMessageContaining("server is busy");
        assertThatThrownBy(() -> Iperf3Result.parse("{\"end\":{}}"))
                .isInstanceOf(BenchException.class).hasMessageContaining("no end.sum_received");
    }

    @Test
    void clientArgumentsMatchEachTest() {
        assertThat(Iperf3.Test.TCP1.arguments(5)).containsExactly("-p", "5201", "-t", "5", "-J", "--connect-timeout", "5000");
        assertThat(Iperf3.Test.TCP4_REV.arguments(2)).containsSequence("-P", "4").contains("-R").doesNotContain("-u");
        List<String> udp = Iperf3.Test.UDP64.arguments(5);
        assertThat(udp).containsSequence("-u", "-b", "0", "-l", "64").doesNotContain("-R", "-P");
    }
}
