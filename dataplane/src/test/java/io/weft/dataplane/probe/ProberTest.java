package io.weft.dataplane.probe;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.fdb.Subnet;
import io.weft.vtep.Checksum;
import io.weft.vtep.Icmp;
import io.weft.vtep.Ipv4;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The prober's logic with a fake injector that plays the tunnel and a manual clock: no sockets, no sleeping. */
class ProberTest {
    private static final int OURS = Ipv4.parse("10.244.1.0");
    private static final Target KERNEL_PEER = new Target(Subnet.parse("10.244.2.0/24"), "203.0.113.2", 8472);
    private static final Target WEFT_PEER = new Target(Subnet.parse("10.244.3.0/24"), "203.0.113.3", 8472);
    private static final long SECOND = 1_000_000_000L;

    private long now = 1000 * SECOND;
    private final List<byte[]> sent = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<String> notices = new ArrayList<>();
    private List<Target> targets = List.of(KERNEL_PEER, WEFT_PEER);
    private String ourPublicIp = "198.51.100.1";
    private final Prober prober = new Prober(ProbeSettings.DEFAULT, OURS, () -> ourPublicIp, 0x1234, p -> sent.add(p),
            () -> targets, warnings::add, notices::add, () -> now);
    private volatile Prober liveProber;

    /** What the peer's kernel would send back: src/dst swapped, type 0, same id/seq/payload, fresh checksums. */
    static ByteBuf echoReplyFor(byte[] request) {
        ByteBuf b = Unpooled.copiedBuffer(request);
        int src = Ipv4.src(b, 0);
        Ipv4.setSrc(b, 0, Ipv4.dst(b, 0));
        Ipv4.setDst(b, 0, src);
        Ipv4.fillHeaderChecksum(b, 0);
        b.setByte(20, Icmp.TYPE_ECHO_REPLY);
        Checksum.fillL4(b, 0);
        return b;
    }

    private void answer(byte[] request, long afterNanos) {
        now += afterNanos;
        ByteBuf reply = echoReplyFor(request);
        assertThat(prober.offer(reply, 0, reply.readableBytes())).isTrue();
        now -= afterNanos;
    }

    private byte[] lastTo(Target t) {
        for (int i = sent.size() - 1; i >= 0; i--) {
            if (Ipv4.dst(Unpooled.wrappedBuffer(sent.get(i)), 0) == t.vtepAddress()) {
                return sent.get(i);
            }
        }
        throw new AssertionError("nothing sent to " + t);
    }

    @Test
    void eachRoundSendsAValidEchoFromOurVtepToEachPeersVtep() {
        prober.tick();
        assertThat(sent).hasSize(2);
        ByteBuf p = Unpooled.wrappedBuffer(lastTo(KERNEL_PEER));
        assertThat(Ipv4.src(p, 0)).isEqualTo(OURS);
        assertThat(Ipv4.format(Ipv4.dst(p, 0))).isEqualTo("10.244.2.0");
        assertThat(Ipv4.verifyHeaderChecksum(p, 0)).isTrue();
        assertThat(Checksum.verifyL4(p, 0)).isTrue();
        assertThat(Icmp.type(p, 20)).isEqualTo(Icmp.TYPE_ECHO_REQUEST);
        assertThat(Icmp.id(p, 20)).isEqualTo(0x1234);
        assertThat(Ipv4.totalLength(p, 0)).isEqualTo(p.readableBytes()).isEqualTo(84);
        assertThat(prober.status()).extracting(PeerStatus::state).containsOnly(PeerStatus.UNKNOWN);
    }

    @Test
    void anAnswerMakesThePeerReachableWithItsRtt() {
        prober.tick();
        answer(lastTo(KERNEL_PEER), 3_500_000);
        PeerStatus s = statusOf(KERNEL_PEER);
        assertThat(s.state()).isEqualTo(PeerStatus.REACHABLE);
        assertThat(s.rttMillis()).isEqualTo(3.5);
        assertThat(s.answered()).isEqualTo(1);
        assertThat(prober.repliesDiverted()).isEqualTo(1);
    }

    @Test
    void lossIsCountedOverTheWindowOfSettledProbes() {
        // 4 rounds: the kernel peer answers rounds 1 and 3 only
        for (int round = 1; round <= 4; round++) {
            prober.tick();
            if (round % 2 == 1) {
                answer(lastTo(KERNEL_PEER), SECOND / 100);
            }
            now += 2 * SECOND;
        }
        prober.tick(); // settles round 4
        PeerStatus s = statusOf(KERNEL_PEER);
        assertThat(s.sent()).isEqualTo(5);
        assertThat(s.lossPercent()).isEqualTo(50);
        assertThat(s.state()).isEqualTo(PeerStatus.REACHABLE);
    }

    /** A public-ip-overwrite set on the running node changes what the warning tells the user to open. */
    @Test
    void theWarningNamesThePublicIpAdvertisedNowNotTheOneAtStart() {
        ourPublicIp = "198.51.100.77";
        for (int round = 0; round < 20; round++) {
            prober.tick();
            now += 2 * SECOND;
        }
        assertThat(warnings).isNotEmpty();
        assertThat(warnings.get(0)).contains("open UDP 8472 from 198.51.100.77 ");
    }

    @Test
    void aPeerThatStaysSilentGetsExactlyOneWarningNamingTheCauses() {
        for (int round = 0; round < 20; round++) {
            prober.tick();
            answer(lastTo(KERNEL_PEER), SECOND / 1000);
            now += 2 * SECOND;
        }
        assertThat(warnings).hasSize(1);
        String w = warnings.get(0);
        assertThat(w).contains("open UDP 8472 from 198.51.100.1 ")
                .contains("10.244.3.0/24 at 203.0.113.3:8472 is unreachable")
                .contains("UDP port 8472 is dropped").contains("security group")
                .contains("PublicIP 203.0.113.3 is wrong").contains("NAT in front of the peer has no mapping for UDP 8472");
        assertThat(statusOf(WEFT_PEER).state()).isEqualTo(PeerStatus.UNREACHABLE);
        assertThat(statusOf(WEFT_PEER).lossPercent()).isEqualTo(100);
        assertThat(statusOf(KERNEL_PEER).state()).isEqualTo(PeerStatus.REACHABLE);
    }

    @Test
    void aPeerThatRecoversIsAnnouncedAndMayBeWarnedAboutAgain() {
        for (int round = 0; round < 6; round++) {
            prober.tick();
            now += 2 * SECOND;
        }
        assertThat(warnings).hasSize(2); // both peers silent
        prober.tick();
        answer(lastTo(WEFT_PEER), SECOND / 100);
        now += 2 * SECOND;
        prober.tick();
        assertThat(notices).singleElement().asString().contains("10.244.3.0/24").contains("answers probes again");
        assertThat(statusOf(WEFT_PEER).state()).isEqualTo(PeerStatus.REACHABLE);
        for (int round = 0; round < 6; round++) {
            prober.tick();
            now += 2 * SECOND;
        }
        assertThat(warnings).hasSize(3);
    }

    @Test
    void aPingThatIsNotOursIsLeftForTheKernel() {
        prober.tick();
        byte[] request = lastTo(KERNEL_PEER);
        // someone's 'ping' between the same addresses: same shape, other identifier
        ByteBuf foreign = echoReplyFor(request);
        foreign.setShort(24, 0x9999);
        assertThat(prober.offer(foreign, 0, foreign.readableBytes())).isFalse();
        // our identifier but not our payload
        ByteBuf noMagic = echoReplyFor(request);
        noMagic.setLong(28, 0);
        assertThat(prober.offer(noMagic, 0, noMagic.readableBytes())).isFalse();
        // an echo request to us (the peer probing us) is the kernel's to answer
        ByteBuf req = Unpooled.copiedBuffer(request);
        Ipv4.setDst(req, 0, OURS);
        assertThat(prober.offer(req, 0, req.readableBytes())).isFalse();
        assertThat(prober.repliesDiverted()).isZero();
    }

    @Test
    void peersFollowTheTable() {
        prober.tick();
        targets = List.of(KERNEL_PEER);
        prober.tick();
        assertThat(prober.status()).extracting(s -> s.target().subnet().toString()).containsExactly("10.244.2.0/24");
    }

    @Test
    void theLiveProbeWaitsForEveryAnswerOrTheDeadline() throws Exception {
        ProbeInjector answering = p -> {
            if (Ipv4.dst(Unpooled.wrappedBuffer(p), 0) == KERNEL_PEER.vtepAddress()) {
                ByteBuf reply = echoReplyFor(p);
                // the answer comes back on another thread, as from a worker
                new Thread(() -> liveProber.offer(reply, 0, reply.readableBytes())).start();
            }
            return true;
        };
        liveProber = new Prober(ProbeSettings.DEFAULT, OURS, () -> "198.51.100.1", 7, answering, () -> targets,
                warnings::add, notices::add, System::nanoTime);
        List<Prober.LiveResult> results = liveProber.probeNow(Duration.ofMillis(500));
        assertThat(results).hasSize(2);
        assertThat(results).filteredOn(Prober.LiveResult::answered).extracting(Prober.LiveResult::target)
                .containsExactly(KERNEL_PEER);
        assertThat(results).filteredOn(r -> !r.answered()).extracting(Prober.LiveResult::target).containsExactly(WEFT_PEER);
    }

    private PeerStatus statusOf(Target t) {
        return prober.status().stream().filter(s -> s.target().equals(t)).findFirst().orElseThrow();
    }
}
