package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every {@link DecapDrop} reason, with crafted frames derived from one valid frame. */
class VxlanDecapTest {
    private static final long OURS = MacAddress.parse("02:00:00:00:00:aa").bits();
    private static final long PEER = MacAddress.parse("02:00:00:00:00:bb").bits();
    private static final int OUR_IP = Ipv4.parse("10.244.1.0");
    private static final int PEER_IP = Ipv4.parse("10.244.2.0");
    private static final int VNI = 1;
    private static final int AT = 8;   // the UDP payload does not start at 0 in a real receive buffer
    private static final int ETH = AT + 8;
    private static final int IP = AT + 22;

    private final Set<DecapDrop> seen = EnumSet.noneOf(DecapDrop.class);
    private ByteBuf b;
    private int length;

    /** VXLAN(1) + Ethernet(peer -> us, IPv4) + a 28-byte IPv4/ICMP echo. */
    @BeforeEach
    void validFrame() {
        b = Unpooled.buffer(256);
        b.setZero(0, 256);
        Vxlan.write(b, AT, VNI);
        Ethernet.write(b, ETH, OURS, PEER, Ethernet.TYPE_IPV4);
        Ipv4.write(b, IP, 0, 28, 7, 0, 64, Ip.PROTO_ICMP, PEER_IP, OUR_IP);
        Icmp.writeEcho(b, IP + 20, Icmp.TYPE_ECHO_REQUEST, 1, 1);
        Checksum.fillL4(b, IP);
        length = 22 + 28;
    }

    private DecapDrop drop() {
        int r = VxlanDecap.check(b, AT, length, VNI, OURS);
        assertThat(r).as("a drop code").isNegative();
        DecapDrop reason = DecapDrop.reason(r);
        seen.add(reason);
        return reason;
    }

    @Test
    void aValidFrameYieldsTheInnerPacket() {
        assertThat(VxlanDecap.check(b, AT, length, VNI, OURS)).isEqualTo(IP);
        assertThat(Ip.packetLength(b, IP)).isEqualTo(28);
    }

    @Test
    void aPaddedFrameYieldsThePacketAndItsOwnLength() {
        length += 14;   // a hardware VTEP padding the inner frame to 64 bytes
        assertThat(VxlanDecap.check(b, AT, length, VNI, OURS)).isEqualTo(IP);
        assertThat(Ip.packetLength(b, IP)).isEqualTo(28);
    }

    @Test
    void anIpv6FrameYieldsTheInnerPacket() {
        Ethernet.write(b, ETH, OURS, PEER, Ethernet.TYPE_IPV6);
        Ipv6.write(b, IP, 0, 0, 8, Ip.PROTO_ICMPV6, 64, 0xfd00L << 48, 2, 0xfd00L << 48, 1);
        length = 22 + 48;
        assertThat(VxlanDecap.check(b, AT, length, VNI, OURS)).isEqualTo(IP);
        assertThat(Ip.packetLength(b, IP)).isEqualTo(48);
    }

    @Test
    void everyReasonIsNamed() {
        length = 21;
        assertThat(drop()).isEqualTo(DecapDrop.TOO_SHORT);
        validFrame();

        b.setByte(AT, 0x88);
        assertThat(drop()).as("GBP flags").isEqualTo(DecapDrop.BAD_FLAGS);
        b.setByte(AT, 0x00);
        assertThat(drop()).as("no I flag").isEqualTo(DecapDrop.BAD_FLAGS);
        validFrame();

        b.setByte(AT + 1, 0x40);
        assertThat(drop()).isEqualTo(DecapDrop.RESERVED_BITS);
        validFrame();
        b.setByte(AT + 7, 0x01);
        assertThat(drop()).isEqualTo(DecapDrop.RESERVED_BITS);
        validFrame();

        Vxlan.write(b, AT, 2);
        assertThat(drop()).isEqualTo(DecapDrop.WRONG_VNI);
        validFrame();

        MacAddress.writeBits(b, ETH + 6, OURS);
        assertThat(drop()).as("our own source MAC").isEqualTo(DecapDrop.LOOP);
        validFrame();

        MacAddress.writeBits(b, ETH, PEER);
        assertThat(drop()).as("another host's MAC").isEqualTo(DecapDrop.NOT_OUR_MAC);
        MacAddress.writeBits(b, ETH, MacAddress.BROADCAST.bits());
        assertThat(drop()).as("broadcast IPv4").isEqualTo(DecapDrop.NOT_OUR_MAC);
        MacAddress.writeBits(b, ETH, MacAddress.parse("01:00:5e:00:00:01").bits());
        assertThat(drop()).as("multicast").isEqualTo(DecapDrop.NOT_OUR_MAC);
        validFrame();

        b.setShort(ETH + 12, 0x8100);
        assertThat(drop()).as("VLAN tag").isEqualTo(DecapDrop.BAD_ETHERTYPE);
        b.setShort(ETH + 12, 0x88CC);
        assertThat(drop()).as("LLDP").isEqualTo(DecapDrop.BAD_ETHERTYPE);
        validFrame();

        Ipv4.setTotalLength(b, IP, 29);
        assertThat(drop()).as("IPv4 longer than the frame").isEqualTo(DecapDrop.BAD_IP);
        validFrame();
        b.setByte(IP, 0x44);
        assertThat(drop()).as("IHL 4").isEqualTo(DecapDrop.BAD_IP);
        validFrame();
        Ipv4.setTotalLength(b, IP, 19);
        assertThat(drop()).as("total length below the header").isEqualTo(DecapDrop.BAD_IP);
        validFrame();
        b.setByte(IP, 0x65);
        assertThat(drop()).as("EtherType IPv4 carrying version 6").isEqualTo(DecapDrop.BAD_IP);
        validFrame();
        length = 22 + 19;
        assertThat(drop()).as("no room for an IPv4 header").isEqualTo(DecapDrop.BAD_IP);
        validFrame();
        Ethernet.write(b, ETH, OURS, PEER, Ethernet.TYPE_IPV6);
        assertThat(drop()).as("EtherType IPv6 carrying IPv4").isEqualTo(DecapDrop.BAD_IP);
        Ipv6.write(b, IP, 0, 0, 9, Ip.PROTO_ICMPV6, 64, 0, 2, 0, 1);
        length = 22 + 48;
        assertThat(drop()).as("IPv6 payload longer than the frame").isEqualTo(DecapDrop.BAD_IP);
        validFrame();

        writeArpRequest(MacAddress.BROADCAST.bits(), OUR_IP);
        assertThat(drop()).isEqualTo(DecapDrop.ARP);
        length -= 1;
        assertThat(drop()).as("truncated ARP").isEqualTo(DecapDrop.TOO_SHORT);

        assertThat(seen).containsExactlyInAnyOrder(DecapDrop.values());
    }

    private void writeArpRequest(long dst, int targetIp) {
        Ethernet.write(b, ETH, dst, PEER, Ethernet.TYPE_ARP);
        Arp.write(b, ETH + 14, Arp.OP_REQUEST, PEER, PEER_IP, 0, targetIp);
        length = 22 + 28;
    }

    @Test
    void arpIsAcceptedForUsOrBroadcastOnly() {
        writeArpRequest(OURS, OUR_IP);
        assertThat(VxlanDecap.check(b, AT, length, VNI, OURS)).isEqualTo(DecapDrop.ARP.code());
        writeArpRequest(PEER, OUR_IP);
        assertThat(VxlanDecap.check(b, AT, length, VNI, OURS)).isEqualTo(DecapDrop.NOT_OUR_MAC.code());
    }

    @Test
    void recognisesAnArpRequestForOurAddressOnly() {
        writeArpRequest(MacAddress.BROADCAST.bits(), OUR_IP);
        assertThat(VxlanDecap.isArpRequestFor(b, ETH, OUR_IP)).isTrue();
        assertThat(VxlanDecap.isArpRequestFor(b, ETH, PEER_IP)).as("asking for someone else").isFalse();
        b.setShort(ETH + 14 + 6, Arp.OP_REPLY);
        assertThat(VxlanDecap.isArpRequestFor(b, ETH, OUR_IP)).as("a reply, not a request").isFalse();
        writeArpRequest(MacAddress.BROADCAST.bits(), OUR_IP);
        b.setShort(ETH + 14 + 2, Ethernet.TYPE_IPV6);
        assertThat(VxlanDecap.isArpRequestFor(b, ETH, OUR_IP)).as("not Ethernet/IPv4 ARP").isFalse();
    }

    @Test
    void answersAnArpRequestWithOurVtepMac() {
        writeArpRequest(MacAddress.BROADCAST.bits(), OUR_IP);
        ByteBuf out = Unpooled.buffer(128);
        int n = VxlanDecap.writeArpReply(out, 8, b, ETH, OURS, OUR_IP);
        assertThat(n).isEqualTo(42);
        assertThat(ByteBufUtil.hexDump(out, 8, n)).isEqualTo(
                "0200000000bb" + "0200000000aa" + "0806"      // Ethernet: to the requester, from us, ARP
                + "0001" + "0800" + "06" + "04" + "0002"      // Ethernet/IPv4, reply
                + "0200000000aa" + "0af40100"                 // sender: our VtepMAC, our VTEP IP
                + "0200000000bb" + "0af40200");               // target: the requester
        int start = VxlanEncap.encapsulateFrame(out, 8, VNI);
        assertThat(VxlanDecap.check(out, start, 8 + n, VNI, PEER)).as("the requester accepts it")
                .isEqualTo(DecapDrop.ARP.code());
    }

    @Test
    void reasonsMapBothWaysAndOnlyArpIsNotADrop() {
        for (DecapDrop d : DecapDrop.values()) {
            assertThat(d.code()).isNegative();
            assertThat(DecapDrop.reason(d.code())).isSameAs(d);
            assertThat(d.isDrop()).isEqualTo(d != DecapDrop.ARP);
        }
        assertThat(DecapDrop.WRONG_VNI.metricName()).isEqualTo("wrong_vni");
        assertThatThrownBy(() -> DecapDrop.reason(0)).hasMessageContaining("not a decap drop code");
        assertThatThrownBy(() -> DecapDrop.reason(-100)).hasMessageContaining("-100");
    }
}
