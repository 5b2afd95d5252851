package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VxlanEncapTest {
    private static final long OURS = MacAddress.parse("02:00:00:00:00:aa").bits();
    private static final long PEER = MacAddress.parse("02:00:00:00:00:bb").bits();

    @Test
    void headroomLeavesRoomForTheEncapsulationAndAVirtioHeader() {
        assertThat(VxlanEncap.OVERHEAD).isEqualTo(22);
        assertThat(VxlanEncap.HEADROOM).isGreaterThanOrEqualTo(22 + 12);
    }

    @Test
    void writesVxlanAndEthernetInFrontOfAnIpv4PacketInPlace() {
        ByteBuf b = Unpooled.directBuffer(256);
        b.setZero(0, 256);
        int ip = VxlanEncap.HEADROOM;
        Ipv4.write(b, ip, 0, 28, 1, Ipv4.FLAG_DF, 64, Ip.PROTO_ICMP, Ipv4.parse("10.244.1.5"), Ipv4.parse("10.244.2.7"));
        byte[] packetBefore = ByteBufUtil.getBytes(b, ip, 28);

        int start = VxlanEncap.encapsulate(b, ip, 0x123456, OURS, PEER);

        assertThat(start).isEqualTo(ip - 22);
        assertThat(ByteBufUtil.hexDump(b, start, 22))
                .isEqualTo("08000000" + "12345600" + "0200000000bb" + "0200000000aa" + "0800");
        assertThat(ByteBufUtil.getBytes(b, ip, 28)).as("the packet itself is not touched").isEqualTo(packetBefore);
        assertThat(VxlanEncap.innerDestinationV4(b, ip)).isEqualTo(Ipv4.parse("10.244.2.7"));
        b.release();
    }

    @Test
    void usesEtherType86ddForIpv6() {
        ByteBuf b = Unpooled.buffer(256);
        int ip = VxlanEncap.HEADROOM;
        Ipv6.write(b, ip, 0, 0, 0, 59, 64, 0xfd00_0000_0000_0001L, 1, 0xfd00_0000_0000_0002L, 7);
        int start = VxlanEncap.encapsulate(b, ip, 1, OURS, PEER);
        assertThat(Ethernet.etherType(b, start + 8)).isEqualTo(0x86DD);
        assertThat(VxlanEncap.innerDestinationV6Hi(b, ip)).isEqualTo(0xfd00_0000_0000_0002L);
        assertThat(VxlanEncap.innerDestinationV6Lo(b, ip)).isEqualTo(7);
    }

    @Test
    void refusesAPacketThatIsNeitherIpv4NorIpv6AndWritesNothing() {
        ByteBuf b = Unpooled.buffer(128);
        b.setZero(0, 128);
        b.setByte(64, 0x50);
        assertThat(VxlanEncap.encapsulate(b, 64, 1, OURS, PEER)).isEqualTo(-1);
        assertThat(ByteBufUtil.getBytes(b, 0, 64)).containsOnly(0);
    }

    @Test
    void aPacketWithoutHeadroomIsAnIndexErrorNotACorruptBuffer() {
        ByteBuf b = Unpooled.buffer(128);
        b.setByte(10, 0x45);
        assertThatThrownBy(() -> VxlanEncap.encapsulate(b, 10, 1, OURS, PEER)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void encapsulatesAReadyEthernetFrameWithTheVxlanHeaderOnly() {
        ByteBuf b = Unpooled.buffer(128);
        int start = VxlanEncap.encapsulateFrame(b, 64, 7);
        assertThat(start).isEqualTo(56);
        assertThat(ByteBufUtil.hexDump(b, 56, 8)).isEqualTo("0800000000000700");
    }

    @Test
    void outerEcnFollowsRfc6040NormalModeAndDscpIsZero() {
        ByteBuf b = Unpooled.buffer(64);
        int[][] innerToOuter = {{0x00, 0}, {0xC0, 0}, {0xB9, 1}, {0x02, 2}, {0x03, 2}, {0xFF, 2}};
        for (int[] pair : innerToOuter) {
            Ipv4.write(b, 0, pair[0], 20, 0, 0, 64, 1, 1, 2);
            assertThat(VxlanEncap.outerTrafficClass(b, 0)).as("inner tos %02x", pair[0]).isEqualTo(pair[1]);
            Ipv6.write(b, 0, pair[0], 0, 0, 59, 64, 0, 1, 0, 2);
            assertThat(VxlanEncap.outerTrafficClass(b, 0)).as("inner tclass %02x", pair[0]).isEqualTo(pair[1]);
        }
    }
}
