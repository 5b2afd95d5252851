package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import static org.assertj.core.api.Assertions.assertThat;

/** parse(write(x)) == x for every header weft writes. */
class RoundTripTest {
    private static final int AT = 5;   // odd on purpose: nothing may assume alignment

    private static ByteBuf buffer() {
        return Unpooled.buffer(128);
    }

    @Property
    void vxlanHeader(@ForAll @IntRange(max = Vxlan.MAX_VNI) int vni) {
        ByteBuf b = buffer();
        Vxlan.write(b, AT, vni);
        assertThat(Vxlan.vni(b, AT)).isEqualTo(vni);
        assertThat(Vxlan.flags(b, AT)).isEqualTo(Vxlan.FLAG_I);
        // Behind the header, a valid inner frame (Ethernet to us, a bare IPv4 header): the header is accepted.
        long ours = 0x02_00_00_00_00_AAL;
        Ethernet.write(b, AT + Vxlan.HEADER_LENGTH, ours, 0x02_00_00_00_00_BBL, Ethernet.TYPE_IPV4);
        Ipv4.write(b, AT + 22, 0, Ipv4.MIN_HEADER_LENGTH, 1, 0, 64, Ip.PROTO_UDP, 1, 2);
        assertThat(VxlanDecap.check(b, AT, 22 + Ipv4.MIN_HEADER_LENGTH, vni, ours)).isEqualTo(AT + 22);
    }

    @Property
    void ethernetHeader(@ForAll @LongRange(max = 0xFFFF_FFFF_FFFFL) long dst,
                        @ForAll @LongRange(max = 0xFFFF_FFFF_FFFFL) long src,
                        @ForAll @IntRange(max = 0xFFFF) int etherType) {
        ByteBuf b = buffer();
        Ethernet.write(b, AT, dst, src, etherType);
        assertThat(Ethernet.dstMac(b, AT)).isEqualTo(dst);
        assertThat(Ethernet.srcMac(b, AT)).isEqualTo(src);
        assertThat(Ethernet.etherType(b, AT)).isEqualTo(etherType);
    }

    @Property
    void ipv4Header(@ForAll @IntRange(max = 255) int tos, @ForAll @IntRange(min = 20, max = 0xFFFF) int totalLength,
                    @ForAll @IntRange(max = 0xFFFF) int id, @ForAll @IntRange(max = 0xFFFF) int flagsAndOffset,
                    @ForAll @IntRange(max = 255) int ttl, @ForAll @IntRange(max = 255) int protocol,
                    @ForAll int src, @ForAll int dst) {
        ByteBuf b = buffer();
        Ipv4.write(b, AT, tos, totalLength, id, flagsAndOffset, ttl, protocol, src, dst);
        assertThat(Ipv4.version(b, AT)).isEqualTo(4);
        assertThat(Ipv4.headerLength(b, AT)).isEqualTo(20);
        assertThat(Ipv4.tos(b, AT)).isEqualTo(tos);
        assertThat(Ipv4.totalLength(b, AT)).isEqualTo(totalLength);
        assertThat(Ipv4.id(b, AT)).isEqualTo(id);
        assertThat(Ipv4.flagsAndFragmentOffset(b, AT)).isEqualTo(flagsAndOffset);
        assertThat(Ipv4.dontFragment(b, AT)).isEqualTo((flagsAndOffset & 0x4000) != 0);
        assertThat(Ipv4.isFragment(b, AT)).isEqualTo((flagsAndOffset & 0x3FFF) != 0);
        assertThat(Ipv4.ttl(b, AT)).isEqualTo(ttl);
        assertThat(Ipv4.protocol(b, AT)).isEqualTo(protocol);
        assertThat(Ipv4.src(b, AT)).isEqualTo(src);
        assertThat(Ipv4.dst(b, AT)).isEqualTo(dst);
        assertThat(Ipv4.verifyHeaderChecksum(b, AT)).isTrue();
        assertThat(Ipv4.parse(Ipv4.format(src))).isEqualTo(src);
    }

    @Property
    void ipv6Header(@ForAll @IntRange(max = 255) int trafficClass, @ForAll @IntRange(max = 0xF_FFFF) int flowLabel,
                    @ForAll @IntRange(max = 0xFFFF) int payloadLength, @ForAll @IntRange(max = 255) int nextHeader,
                    @ForAll @IntRange(max = 255) int hopLimit, @ForAll long srcHi, @ForAll long srcLo,
                    @ForAll long dstHi, @ForAll long dstLo) {
        ByteBuf b = buffer();
        Ipv6.write(b, AT, trafficClass, flowLabel, payloadLength, nextHeader, hopLimit, srcHi, srcLo, dstHi, dstLo);
        assertThat(Ipv6.version(b, AT)).isEqualTo(6);
        assertThat(Ipv6.trafficClass(b, AT)).isEqualTo(trafficClass);
        assertThat(Ipv6.flowLabel(b, AT)).isEqualTo(flowLabel);
        assertThat(Ipv6.payloadLength(b, AT)).isEqualTo(payloadLength);
        assertThat(Ipv6.nextHeader(b, AT)).isEqualTo(nextHeader);
        assertThat(Ipv6.hopLimit(b, AT)).isEqualTo(hopLimit);
        assertThat(new long[] {Ipv6.srcHi(b, AT), Ipv6.srcLo(b, AT), Ipv6.dstHi(b, AT), Ipv6.dstLo(b, AT)})
                .containsExactly(srcHi, srcLo, dstHi, dstLo);
    }

    @Property
    void udpHeader(@ForAll @IntRange(max = 0xFFFF) int srcPort, @ForAll @IntRange(max = 0xFFFF) int dstPort,
                   @ForAll @IntRange(min = 8, max = 0xFFFF) int length) {
        ByteBuf b = buffer();
        Udp.write(b, AT, srcPort, dstPort, length);
        assertThat(Udp.srcPort(b, AT)).isEqualTo(srcPort);
        assertThat(Udp.dstPort(b, AT)).isEqualTo(dstPort);
        assertThat(Udp.length(b, AT)).isEqualTo(length);
        assertThat(Udp.checksum(b, AT)).isZero();
    }

    @Property
    void arpPacket(@ForAll @IntRange(min = 1, max = 2) int op, @ForAll @LongRange(max = 0xFFFF_FFFF_FFFFL) long senderMac,
                   @ForAll int senderIp, @ForAll @LongRange(max = 0xFFFF_FFFF_FFFFL) long targetMac, @ForAll int targetIp) {
        ByteBuf b = buffer();
        Arp.write(b, AT, op, senderMac, senderIp, targetMac, targetIp);
        assertThat(Arp.isEthernetIpv4(b, AT)).isTrue();
        assertThat(Arp.operation(b, AT)).isEqualTo(op);
        assertThat(Arp.senderMac(b, AT)).isEqualTo(senderMac);
        assertThat(Arp.senderIp(b, AT)).isEqualTo(senderIp);
        assertThat(Arp.targetMac(b, AT)).isEqualTo(targetMac);
        assertThat(Arp.targetIp(b, AT)).isEqualTo(targetIp);
    }

    /** Any type number: ICMPv4 and ICMPv6 share the header layout and these accessors. */
    @Property
    void icmpEcho(@ForAll @IntRange(max = 255) int type, @ForAll @IntRange(max = 0xFFFF) int id,
                  @ForAll @IntRange(max = 0xFFFF) int seq) {
        ByteBuf b = buffer();
        Icmp.writeEcho(b, AT, type, id, seq);
        assertThat(new int[] {Icmp.type(b, AT), Icmp.code(b, AT), Icmp.id(b, AT), Icmp.sequence(b, AT)})
                .containsExactly(type, 0, id, seq);
    }

    @Property
    void macAddressTextBitsAndBytes(@ForAll @LongRange(max = 0xFFFF_FFFF_FFFFL) long bits) {
        MacAddress mac = MacAddress.of(bits);
        assertThat(mac.bits()).isEqualTo(bits);
        assertThat(MacAddress.parse(mac.toString())).isEqualTo(mac);
        assertThat(MacAddress.parse(mac.toString().toUpperCase().replace(':', '-'))).isEqualTo(mac);
        assertThat(MacAddress.of(mac.toBytes())).isEqualTo(mac);
        assertThat(mac.toString()).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
        ByteBuf b = buffer();
        mac.writeTo(b, AT);
        assertThat(MacAddress.readFrom(b, AT)).isEqualTo(mac);
    }
}
