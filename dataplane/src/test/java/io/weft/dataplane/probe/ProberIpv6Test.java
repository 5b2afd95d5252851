package io.weft.dataplane.probe;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.fdb.Subnet;
import io.weft.vtep.Checksum;
import io.weft.vtep.Icmp;
import io.weft.vtep.Icmpv6;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.Ipv6;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The prober with IPv6 peers: the IPv6 half of a lease is probed with ICMPv6 echoes between the IPv6 VTEP addresses
 * (what the workers send over the IPv6 underlay), beside the IPv4 half of a dual-stack peer and on its own for an
 * IPv6-only one. A fake injector plays the tunnel, and a manual clock: no sockets, no sleeping.
 */
class ProberIpv6Test {
    private static final int OURS = Ipv4.parse("10.244.1.0");
    private static final Subnet OURS6 = Subnet.parse("fd44:0:0:1::/64");
    private static final Target DUAL_V4 = new Target(Subnet.parse("10.244.2.0/24"), "203.0.113.2", 8472);
    private static final Target DUAL_V6 = new Target(Subnet.parse("fd44:0:0:2::/64"), "2001:db8::2", 8472);
    private static final Target ONLY_V6 = new Target(Subnet.parse("fd44:0:0:3::/64"), "2001:db8::3", 8472);
    private static final long SECOND = 1_000_000_000L;

    private long now = 1000 * SECOND;
    private final List<byte[]> sent = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<Target> targets = List.of(DUAL_V4, DUAL_V6, ONLY_V6);
    private final Prober prober = new Prober(ProbeSettings.DEFAULT, OURS, () -> "198.51.100.1", 0x1234, p -> sent.add(p),
            () -> targets, warnings::add, n -> { }, () -> now).enableIpv6(OURS6, () -> "2001:db8::1");

    /** What the peer's kernel sends back to an ICMPv6 echo request: addresses swapped, type 129, fresh checksum. */
    static ByteBuf echoReplyV6For(byte[] request) {
        ByteBuf b = Unpooled.copiedBuffer(request);
        long srcHi = Ipv6.srcHi(b, 0);
        long srcLo = Ipv6.srcLo(b, 0);
        Ipv6.setSrc(b, 0, Ipv6.dstHi(b, 0), Ipv6.dstLo(b, 0));
        Ipv6.setDst(b, 0, srcHi, srcLo);
        b.setByte(Ipv6.HEADER_LENGTH, Icmpv6.TYPE_ECHO_REPLY);
        Checksum.fillL4(b, 0);
        return b;
    }

    private byte[] lastTo(Target t) {
        for (int i = sent.size() - 1; i >= 0; i--) {
            ByteBuf b = Unpooled.wrappedBuffer(sent.get(i));
            boolean v6 = Ip.version(b, 0) == 6;
            if (v6 == t.ipv6() && (v6 ? Ipv6.dstHi(b, 0) == t.subnet().v6High() && Ipv6.dstLo(b, 0) == t.subnet().v6Low()
                    : Ipv4.dst(b, 0) == t.vtepAddress())) {
                return sent.get(i);
            }
        }
        throw new AssertionError("nothing sent to " + t);
    }

    private PeerStatus statusOf(Target t) {
        return prober.status().stream().filter(s -> s.target().equals(t)).findFirst().orElseThrow();
    }

    @Test
    void theIpv6HalfIsProbedWithAValidIcmpv6EchoBetweenTheIpv6Vteps() {
        prober.tick();
        assertThat(sent).hasSize(3);
        ByteBuf p = Unpooled.wrappedBuffer(lastTo(ONLY_V6));
        assertThat(Ipv6.version(p, 0)).isEqualTo(6);
        assertThat(Ipv6.nextHeader(p, 0)).isEqualTo(Ip.PROTO_ICMPV6);
        assertThat(Subnet.ofV6(Ipv6.srcHi(p, 0), Ipv6.srcLo(p, 0), 128).addressText()).isEqualTo("fd44:0:0:1::");
        assertThat(Subnet.ofV6(Ipv6.dstHi(p, 0), Ipv6.dstLo(p, 0), 128).addressText()).isEqualTo("fd44:0:0:3::");
        assertThat(Ipv6.payloadLength(p, 0) + Ipv6.HEADER_LENGTH).isEqualTo(p.readableBytes()).isEqualTo(104);
        assertThat(Checksum.verifyL4(p, 0)).as("the ICMPv6 checksum, over the IPv6 pseudo-header").isTrue();
        assertThat(Icmp.type(p, Ipv6.HEADER_LENGTH)).isEqualTo(Icmpv6.TYPE_ECHO_REQUEST);
        assertThat(Icmp.id(p, Ipv6.HEADER_LENGTH)).isEqualTo(0x1234);
        // the dual-stack peer gets one probe per family
        assertThat(Ipv4.version(Unpooled.wrappedBuffer(lastTo(DUAL_V4)), 0)).isEqualTo(4);
        assertThat(Ipv6.version(Unpooled.wrappedBuffer(lastTo(DUAL_V6)), 0)).isEqualTo(6);
    }

    @Test
    void anIpv6AnswerMakesThatHalfReachableWithItsRttAndTheFamiliesAreJudgedApart() {
        prober.tick();
        now += 2_500_000;
        ByteBuf reply = echoReplyV6For(lastTo(ONLY_V6));
        assertThat(prober.offer(reply, 0, reply.readableBytes())).isTrue();
        ByteBuf dual6 = echoReplyV6For(lastTo(DUAL_V6));
        assertThat(prober.offer(dual6, 0, dual6.readableBytes())).isTrue();
        now -= 2_500_000;
        assertThat(statusOf(ONLY_V6).state()).isEqualTo(PeerStatus.REACHABLE);
        assertThat(statusOf(ONLY_V6).rttMillis()).isEqualTo(2.5);
        assertThat(statusOf(DUAL_V6).state()).isEqualTo(PeerStatus.REACHABLE);
        // the dual-stack peer's IPv4 half never answered: IPv6 answering says nothing about it
        for (int round = 0; round < 6; round++) {
            now += 2 * SECOND;
            prober.tick();
        }
        assertThat(statusOf(DUAL_V4).state()).isEqualTo(PeerStatus.UNREACHABLE);
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("10.244.2.0/24 at 203.0.113.2:8472 is unreachable"));
    }

    @Test
    void aSilentIpv6PeerIsWarnedAboutOnceWithTheIpv6Causes() {
        for (int round = 0; round < 20; round++) {
            prober.tick();
            now += 2 * SECOND;
        }
        assertThat(warnings).filteredOn(w -> w.contains("fd44:0:0:3::/64")).singleElement().asString()
                .contains("fd44:0:0:3::/64 at [2001:db8::3]:8472 is unreachable")
                .contains("from our VTEP fd44:0:0:1:: to its VTEP fd44:0:0:3::")
                .contains("open UDP 8472 from 2001:db8::1 ")
                .contains("PublicIPv6 2001:db8::3 is wrong").contains("-public-ipv6")
                .doesNotContain("NAT");
    }

    @Test
    void aReplyThatIsNotOursOrNotToOurIpv6VtepIsLeftForTheKernel() {
        prober.tick();
        byte[] request = lastTo(ONLY_V6);
        ByteBuf foreign = echoReplyV6For(request);
        foreign.setShort(Ipv6.HEADER_LENGTH + 4, 0x9999); // someone's ping: another identifier
        assertThat(prober.offer(foreign, 0, foreign.readableBytes())).isFalse();
        ByteBuf noMagic = echoReplyV6For(request);
        noMagic.setLong(Ipv6.HEADER_LENGTH + Icmpv6.HEADER_LENGTH, 0);
        assertThat(prober.offer(noMagic, 0, noMagic.readableBytes())).isFalse();
        ByteBuf elsewhere = echoReplyV6For(request);
        Ipv6.setDst(elsewhere, 0, OURS6.v6High(), 7); // a pod's address in our subnet, not our VTEP
        assertThat(prober.offer(elsewhere, 0, elsewhere.readableBytes())).isFalse();
        assertThat(prober.repliesDiverted()).isZero();
    }

    @Test
    void withoutIpv6EnabledTheIpv6HalvesAreLeftOut() {
        Prober v4only = new Prober(ProbeSettings.DEFAULT, OURS, () -> "198.51.100.1", 0x1234, p -> sent.add(p),
                () -> targets, warnings::add, n -> { }, () -> now);
        v4only.tick();
        assertThat(sent).hasSize(1);
        assertThat(v4only.status()).extracting(PeerStatus::target).containsExactly(DUAL_V4);
    }

    @Test
    void theLiveProbeAnswersForIpv6PeersToo() throws Exception {
        Prober[] live = new Prober[1];
        ProbeInjector answering = p -> {
            if (Ip.version(Unpooled.wrappedBuffer(p), 0) == 6) {
                ByteBuf reply = echoReplyV6For(p);
                new Thread(() -> live[0].offer(reply, 0, reply.readableBytes())).start();
            }
            return true;
        };
        live[0] = new Prober(ProbeSettings.DEFAULT, OURS, () -> "198.51.100.1", 7, answering, () -> targets,
                warnings::add, n -> { }, System::nanoTime).enableIpv6(OURS6, () -> "2001:db8::1");
        List<Prober.LiveResult> results = live[0].probeNow(Duration.ofMillis(500));
        assertThat(results).filteredOn(Prober.LiveResult::answered).extracting(Prober.LiveResult::target)
                .containsExactlyInAnyOrder(DUAL_V6, ONLY_V6);
        assertThat(results).filteredOn(r -> !r.answered()).extracting(Prober.LiveResult::target).containsExactly(DUAL_V4);
    }
}
