package io.weft.benchmarks.harness;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which failed iperf3 starts the bench tries again, and which it reports as the result. */
class Iperf3RetryTest {
    private static final String SETUP_LOST = "unable to read from stream socket: Resource temporarily unavailable";

    @Test
    void aUdpTestWhoseSetUpDatagramWasLostIsTriedAgain() {
        assertThat(Iperf3.retryable(SETUP_LOST, Iperf3.Test.UDP64)).isTrue();
        assertThat(Iperf3.retryable("error - " + SETUP_LOST, Iperf3.Test.UDP1400)).isTrue();
    }

    @Test
    void aTcpTestThatLostItsStreamIsAResultNotARetry() {
        assertThat(Iperf3.retryable(SETUP_LOST, Iperf3.Test.TCP1)).isFalse();
    }

    @Test
    void aBusyOrRefusedServerIsTriedAgainAndOtherFailuresAreNot() {
        assertThat(Iperf3.retryable("the server is busy running a test. try again later", Iperf3.Test.TCP1)).isTrue();
        assertThat(Iperf3.retryable("unable to connect to server: Connection refused", Iperf3.Test.TCP4)).isTrue();
        assertThat(Iperf3.retryable("control socket has closed unexpectedly", Iperf3.Test.UDP64)).isFalse();
        assertThat(Iperf3.retryable(null, Iperf3.Test.UDP64)).isFalse();
    }
}
