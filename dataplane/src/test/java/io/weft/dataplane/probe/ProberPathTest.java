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
 * The prober choosing a weft peer's path: each candidate probed to its own address, the peer moved to the best one
 * answering with hysteresis, each switch logged once and counted. A fake tunnel answers the probes that go a way
 * that works; a manual clock; no sockets.
 */
class ProberPathTest {
    private static final int OURS = Ipv4.parse("10.244.1.0");
    private static final PathCandidate PRIVATE = PathCandidate.of(PathKind.PRIVATE, ProbeRounds.ip("10.0.1.6"), 8472);
    private static final PathCandidate PUBLIC = PathCandidate.of(PathKind.PUBLIC, ProbeRounds.ip("203.0.113.7"), 8472);

    private final PeerPath path = new PeerPath(List.of(PRIVATE, PUBLIC), PUBLIC);
    private final Target peer = new Target(Subnet.parse("10.244.2.0/24"), "203.0.113.7", 8472, path);
    private final ProbeRounds rounds = new ProbeRounds();
    private boolean privateWorks = true;
    private boolean publicWorks = true;

    private final ProbeInjector tunnel = new ProbeInjector() {
        @Override
        public boolean inject(byte[] packet) {
            // the probe of the path in use, which the test reads from the path itself
            return injectVia(packet, path.current().endpoint());
        }

        @Override
        public boolean injectVia(byte[] packet, InetSocketAddress via) {
            boolean works = via.equals(PRIVATE.endpoint()) ? privateWorks : publicWorks;
            if (works) {
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
    void theFirstRoundsUseThePublicPathThenThePrivateOneOnceItAnsweredThreeTimes() {
        round();
        round();
        round();
        assertThat(path.current()).isEqualTo(PUBLIC);
        round();
        assertThat(path.current()).isEqualTo(PRIVATE);
        assertThat(switches()).containsExactly("peer 10.244.2.0/24 at 203.0.113.7:8472: path public 203.0.113.7:8472 ->"
                + " private 10.0.1.6:8472 (private answered 3 probes in a row)");
        assertThat(prober.pathSwitches()).containsEntry("private", 1L);
        for (int i = 0; i < 10; i++) {
            round();
        }
        assertThat(switches()).hasSize(1);
    }

    @Test
    void whenThePrivatePathStopsThePeerFallsBackToPublicAfterThreeLostProbesAndIsLoggedOnce() {
        for (int i = 0; i < 5; i++) {
            round();
        }
        assertThat(path.current()).isEqualTo(PRIVATE);
        privateWorks = false;
        round();
        round();
        round();
        assertThat(path.current()).isEqualTo(PRIVATE);
        round();
        assertThat(path.current()).isEqualTo(PUBLIC);
        for (int i = 0; i < 10; i++) {
            round();
        }
        assertThat(switches()).hasSize(2);
        assertThat(switches().get(1)).endsWith("path private 10.0.1.6:8472 -> public 203.0.113.7:8472 (private lost 3"
                + " probes in a row)");
        assertThat(prober.pathSwitches()).containsEntry("private", 1L).containsEntry("public", 1L);
        // and back once it answers long enough (twice the base streak, as it failed once)
        privateWorks = true;
        for (int i = 0; i < 6; i++) {
            round();
        }
        assertThat(path.current()).isEqualTo(PUBLIC);
        round();
        assertThat(path.current()).isEqualTo(PRIVATE);
    }

    @Test
    void theViewShowsEachPathAndWhichIsInUse() {
        for (int i = 0; i < 5; i++) {
            round();
        }
        assertThat(prober.pathProbes().get("10.244.2.0/24")).extracting(Prober.PathProbe::path, Prober.PathProbe::endpoint,
                Prober.PathProbe::inUse).containsExactly(
                org.assertj.core.groups.Tuple.tuple("private", "10.0.1.6:8472", true),
                org.assertj.core.groups.Tuple.tuple("public", "203.0.113.7:8472", false));
    }

    @Test
    void aPlainFlannelPeerHasNoPathProbes() {
        Prober plain = new Prober(ProbeSettings.DEFAULT, OURS, () -> "198.51.100.1", 0x4321, tunnel,
                () -> List.of(new Target(Subnet.parse("10.244.3.0/24"), "198.51.100.9", 8472)), s -> { }, rounds.notices::add,
                () -> rounds.now);
        plain.tick();
        assertThat(plain.pathProbes()).isEmpty();
    }
}
