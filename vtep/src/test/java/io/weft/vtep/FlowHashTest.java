package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class FlowHashTest {
    private static final int A = Ipv4.parse("10.244.1.5");
    private static final int B = Ipv4.parse("10.244.2.7");

    @Property
    void sourcePortIsAlwaysInRange(@ForAll int hash, @ForAll @IntRange(max = 65535) int min,
                                   @ForAll @IntRange(max = 65535) int max) {
        Assume.that(min < max);
        assertThat(FlowHash.sourcePort(hash, min, max)).isGreaterThanOrEqualTo(min).isLessThan(max);
    }

    @Property
    void defaultRangeIsIpLocalPortRange(@ForAll int hash) {
        assertThat(FlowHash.sourcePort(hash)).isBetween(32768, 60998);
    }

    @Test
    void mapsLikeLinuxUdpFlowSrcPort() {
        // hash ^= hash << 16; port = ((u64) hash * (max - min)) >> 32) + min, worked by hand:
        assertThat(FlowHash.sourcePort(0, 32768, 60999)).isEqualTo(32768);
        // 0x00008000 -> 0x80008000; 0x80008000 * 28231 >> 32 = 14115
        assertThat(FlowHash.sourcePort(0x0000_8000, 32768, 60999)).isEqualTo(32768 + 14115);
        // 0xFFFF0000 -> unchanged (low half is zero); 0xFFFF0000 * 28231 >> 32 = 28230
        assertThat(FlowHash.sourcePort(0xFFFF_0000, 32768, 60999)).isEqualTo(60998);
        // 0xFFFFFFFF -> 0x0000FFFF; * 28231 >> 32 = 0
        assertThat(FlowHash.sourcePort(0xFFFF_FFFF, 32768, 60999)).isEqualTo(32768);
    }

    private static ByteBuf tcp(int src, int dst, int sport, int dport) {
        ByteBuf b = Unpooled.buffer(64);
        Ipv4.write(b, 0, 0, 40, 1, Ipv4.FLAG_DF, 64, Ip.PROTO_TCP, src, dst);
        b.setShort(20, sport);
        b.setShort(22, dport);
        return b;
    }

    @Test
    void sameFlowSamePortAndTheIpHeaderFieldsOutsideTheTupleDoNotMatter() {
        ByteBuf one = tcp(A, B, 40000, 80);
        ByteBuf two = tcp(A, B, 40000, 80);
        Ipv4.setId(two, 0, 999);
        Ipv4.setTtl(two, 0, 3);
        assertThat(FlowHash.ofPacket(one, 0, 40)).isEqualTo(FlowHash.ofPacket(two, 0, 40));
    }

    @Test
    void everyTupleFieldChangesTheHash() {
        int base = FlowHash.ofPacket(tcp(A, B, 40000, 80), 0, 40);
        assertThat(FlowHash.ofPacket(tcp(A + 1, B, 40000, 80), 0, 40)).isNotEqualTo(base);
        assertThat(FlowHash.ofPacket(tcp(A, B + 1, 40000, 80), 0, 40)).isNotEqualTo(base);
        assertThat(FlowHash.ofPacket(tcp(A, B, 40001, 80), 0, 40)).isNotEqualTo(base);
        assertThat(FlowHash.ofPacket(tcp(A, B, 40000, 81), 0, 40)).isNotEqualTo(base);
        ByteBuf udp = tcp(A, B, 40000, 80);
        Ipv4.setProtocol(udp, 0, Ip.PROTO_UDP);
        assertThat(FlowHash.ofPacket(udp, 0, 40)).isNotEqualTo(base);
    }

    @Test
    void fragmentsAndShortPacketsHashWithoutPortsSoAllFragmentsTakeOnePath() {
        ByteBuf first = tcp(A, B, 40000, 80);
        Ipv4.setFlagsAndFragmentOffset(first, 0, Ipv4.FLAG_MF);
        ByteBuf later = tcp(A, B, 0x1234, 0x5678);          // a later fragment: these bytes are payload
        Ipv4.setFlagsAndFragmentOffset(later, 0, 185);
        int portless = FlowHash.hashV4(A, B, Ip.PROTO_TCP, 0);
        assertThat(FlowHash.ofPacket(first, 0, 40)).isEqualTo(portless);
        assertThat(FlowHash.ofPacket(later, 0, 40)).isEqualTo(portless);
        assertThat(FlowHash.ofPacket(tcp(A, B, 40000, 80), 0, 22)).as("ports cut off").isEqualTo(portless);
    }

    @Test
    void icmpHashesByAddressesAndIpv6ByItsTuple() {
        ByteBuf icmp = tcp(A, B, 1, 2);
        Ipv4.setProtocol(icmp, 0, Ip.PROTO_ICMP);
        assertThat(FlowHash.ofPacket(icmp, 0, 40)).isEqualTo(FlowHash.hashV4(A, B, Ip.PROTO_ICMP, 0));

        ByteBuf v6 = Unpooled.buffer(64);
        Ipv6.write(v6, 0, 0, 0, 8, Ip.PROTO_UDP, 64, 1, 2, 3, 4);
        v6.setInt(40, 40000 << 16 | 53);
        assertThat(FlowHash.ofPacket(v6, 0, 48)).isEqualTo(FlowHash.hashV6(1, 2, 3, 4, Ip.PROTO_UDP, 40000 << 16 | 53));
        assertThat(FlowHash.ofPacket(v6, 0, 48)).isNotEqualTo(FlowHash.hashV6(1, 2, 3, 4, Ip.PROTO_UDP, 40001 << 16 | 53));
        v6.setByte(0, 0x50);
        assertThat(FlowHash.ofPacket(v6, 0, 48)).as("neither v4 nor v6").isZero();
    }

    @Test
    void manyFlowsSpreadOverManyPorts() {
        Set<Integer> ports = new HashSet<>();
        for (int sport = 40000; sport < 41000; sport++) {
            ports.add(VxlanEncap.sourcePort(tcp(A, B, sport, 443), 0, 40, FlowHash.DEFAULT_MIN_PORT, FlowHash.DEFAULT_MAX_PORT));
        }
        // 1000 flows into 28231 ports: a good hash leaves only a handful of collisions (expected ~17).
        assertThat(ports).hasSizeGreaterThan(950);
    }
}
