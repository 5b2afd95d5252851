package io.weft.dataplane.probe;

import io.weft.fdb.Subnet;
import io.weft.fdb.path.PathCandidate;
import io.weft.fdb.path.PathKind;
import io.weft.fdb.path.PeerPath;
import io.weft.vtep.Ipv4;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The prober moving a weft peer to its TCP fallback when no UDP path answers and TCP does, and back to UDP (with
 * hysteresis) when UDP answers again; each switch logged once with its reason. The TCP candidate has the same address
 * and port number as the public UDP one (the default), so the fake tunnel tells them apart by the candidate's kind,
 * as the data plane does. A manual clock; no sockets.
 */
class ProberTcpPathTest {
    private static final int OURS = Ipv4.parse("10.244.1.0");
    private static final PathCandidate PRIVATE = PathCandidate.of(PathKind.PRIVATE, ProbeRounds.ip("10.0.1.6"), 8472);
    private static final PathCandidate PUBLIC = PathCandidate.of(PathKind.PUBLIC, ProbeRounds.ip("203.0.113.7"), 8472);
    private static final PathCandidate TCP = PathCandidate.of(PathKind.TCP, ProbeRounds.ip("203.0.113.7"), 8472);

    private final PeerPath path = new PeerPath(List.of(PRIVATE, PUBLIC, TCP), PUBLIC);
    private final Target peer = new Target(Subnet.parse("10.244.2.0/24"), "203.0.113.7", 8472, path);
    private final ProbeRounds rounds = new ProbeRounds();
    private boolean udpWorks;
    private boolean tcpWorks = true;

    private final ProbeInjector tunnel = new ProbeInjector() {
        @Override
        public boolean inject(byte[] packet) {
            return injectVia(packet, path.current());
        }

        @Override
        public boolean injectVia(byte[] packet, InetSocketAddress via) {
            throw new AssertionError("a candidate's probe must be sent by its candidate, not by its address");
        }

        @Override
        public boolean injectVia(byte[] packet, PathCandidate via) {
            if (via.kind() == PathKind.TCP ? tcpWorks : udpWorks) {
                rounds.arrived.add(packet);
            }
            return true;
        }
    };
    private final Prober prober = new Prober(ProbeSettings.DEFAULT, OURS, () -> "198.51.100.1", 0x4321, tunnel,
            () -> List.of(peer), s -> { }, rounds.notices::add, () -> rounds.now);

    private void round() {
        rounds.round(prober);
    }

    private List<String> switches() {
        return rounds.switches();
    }

    @Test
    void withUdpDroppedBothWaysThePeerMovesToTcpOnceThePublicPathLostThreeAndTcpAnsweredThree() {
        round();
        round();
        round();
        assertThat(path.current()).isEqualTo(PUBLIC);
        round();
        assertThat(path.current()).isEqualTo(TCP);
        assertThat(switches()).containsExactly("peer 10.244.2.0/24 at 203.0.113.7:8472: path public 203.0.113.7:8472 ->"
                + " tcp 203.0.113.7:8472 (UDP 8472 to 10.0.1.6 or 203.0.113.7 gets no answer; TCP 8472 works)");
        assertThat(prober.pathSwitches()).containsEntry("tcp", 1L);
        assertThat(prober.whyTcp(Ipv4.parse("10.244.2.0"))).isEqualTo("UDP 8472 to 10.0.1.6 or 203.0.113.7 gets no answer;"
                + " TCP 8472 works");
        for (int i = 0; i < 10; i++) {
            round();
        }
        assertThat(switches()).hasSize(1);
    }

    @Test
    void whenUdpAnswersAgainThePeerReturnsToUdpAfterThreeAnswersInARow() {
        for (int i = 0; i < 5; i++) {
            round();
        }
        assertThat(path.current()).isEqualTo(TCP);
        udpWorks = true;
        round();
        round();
        round();
        assertThat(path.current()).as("two answers (the third is settled next round) are not enough").isEqualTo(TCP);
        round();
        assertThat(path.current()).isEqualTo(PRIVATE);
        assertThat(switches().get(1)).endsWith("path tcp 203.0.113.7:8472 -> private 10.0.1.6:8472 (private answered 3"
                + " probes in a row)");
        assertThat(prober.whyTcp(Ipv4.parse("10.244.2.0"))).isNull();
    }

    @Test
    void aPublicPathThatComesAndGoesMustAnswerLongerEachTimeBeforeTheTcpPeerReturns() {
        for (int i = 0; i < 5; i++) {
            round();
        }
        udpWorks = true;
        for (int i = 0; i < 4; i++) {
            round();
        }
        assertThat(path.current()).isEqualTo(PRIVATE);
        udpWorks = false;
        for (int i = 0; i < 4; i++) {
            round();
        }
        assertThat(path.current()).as("UDP stopped again: TCP, which kept answering").isEqualTo(TCP);
        udpWorks = true;
        for (int i = 0; i < 6; i++) {
            round();
        }
        assertThat(path.current()).as("the private path failed once: six answers now").isEqualTo(TCP);
        round();
        assertThat(path.current()).isEqualTo(PRIVATE);
    }

    @Test
    void whenTcpDoesNotConnectEitherThePeerStaysOnThePublicPathAsFlanneldWould() {
        tcpWorks = false;
        for (int i = 0; i < 10; i++) {
            round();
        }
        assertThat(path.current()).isEqualTo(PUBLIC);
        assertThat(switches()).isEmpty();
    }
}
