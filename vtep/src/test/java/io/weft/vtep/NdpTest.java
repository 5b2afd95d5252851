package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Neighbour discovery against frames captured from Linux 6.x (veth pair in a scratch network namespace, forwarding
 * on, {@code ping -6 fd00::2}): the kernel's solicitation from 02:00:00:00:00:0a / fe80::ff:fe00:a for fd00::2, and
 * the advertisement the kernel sent back from 02:00:00:00:00:0b. weft must accept the first and write the second.
 */
class NdpTest {
    private static final String LINUX_NS = "3333ff000002" + "02000000000a" + "86dd"
            + "6000000000203aff" + "fe80000000000000000000fffe00000a" + "ff0200000000000000000001ff000002"
            + "87007d0500000000" + "fd000000000000000000000000000002" + "0101" + "02000000000a";
    private static final String LINUX_NA = "02000000000a" + "02000000000b" + "86dd"
            + "6000000000203aff" + "fd000000000000000000000000000002" + "fe80000000000000000000fffe00000a"
            + "88009c07e0000000" + "fd000000000000000000000000000002" + "0201" + "02000000000b";
    private static final long FD00_HI = 0xfd00_0000_0000_0000L;
    private static final long OUR_MAC = 0x0200_0000_000bL;

    private static ByteBuf frame(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    }

    @Test
    void linuxsSolicitationIsRecognisedForItsTargetOnly() {
        ByteBuf ns = frame(LINUX_NS);
        assertThat(ns.readableBytes()).isEqualTo(86);
        assertThat(Ndp.isSolicitationFor(ns, 0, 86, FD00_HI, 2)).isTrue();
        assertThat(Ndp.isSolicitationFor(ns, 0, 86, FD00_HI, 3)).isFalse();
        assertThat(Ndp.isSolicitationFor(ns, 0, 85, FD00_HI, 2)).as("frame shorter than its IPv6 length").isFalse();
    }

    @Test
    void theAdvertisementIsByteForByteWhatLinuxSends() {
        ByteBuf ns = frame(LINUX_NS);
        ByteBuf out = Unpooled.buffer(Ndp.ADVERTISEMENT_FRAME_LENGTH + 8);
        assertThat(Ndp.writeAdvertisement(out, 8, ns, 0, OUR_MAC)).isEqualTo(Ndp.ADVERTISEMENT_FRAME_LENGTH);
        assertThat(ByteBufUtil.hexDump(out, 8, Ndp.ADVERTISEMENT_FRAME_LENGTH)).isEqualTo(LINUX_NA);
    }

    @Test
    void invalidSolicitationsAreNotAnswered() {
        // RFC 4861 §7.1.1: a hop limit below 255 means the message crossed a router.
        ByteBuf hop = frame(LINUX_NS);
        hop.setByte(14 + 7, 254);
        Checksum.fillL4(hop, 14);
        assertThat(Ndp.isSolicitationFor(hop, 0, 86, FD00_HI, 2)).isFalse();
        ByteBuf sum = frame(LINUX_NS);
        sum.setByte(14 + 40 + 3, sum.getByte(14 + 40 + 3) ^ 1);
        assertThat(Ndp.isSolicitationFor(sum, 0, 86, FD00_HI, 2)).as("bad checksum").isFalse();
        ByteBuf zeroOption = frame(LINUX_NS);
        zeroOption.setByte(14 + 40 + 25, 0);
        Checksum.fillL4(zeroOption, 14);
        assertThat(Ndp.isSolicitationFor(zeroOption, 0, 86, FD00_HI, 2)).as("option of length 0").isFalse();
        ByteBuf advert = frame(LINUX_NA);
        assertThat(Ndp.isSolicitationFor(advert, 0, 86, FD00_HI, 2)).as("an advertisement").isFalse();
    }

    @Test
    void duplicateAddressDetectionIsAnsweredToAllNodesWithoutTheSolicitedFlag() {
        // From ::, without a source link-layer option (which a DAD probe must not carry), 24 bytes of ICMPv6.
        ByteBuf ns = frame(LINUX_NS.substring(0, (86 - 8) * 2));
        Ipv6.setSrc(ns, 14, 0, 0);
        Ipv6.setPayloadLength(ns, 14, 24);
        Checksum.fillL4(ns, 14);
        assertThat(Ndp.isSolicitationFor(ns, 0, 78, FD00_HI, 2)).isTrue();
        ByteBuf out = Unpooled.buffer(Ndp.ADVERTISEMENT_FRAME_LENGTH);
        Ndp.writeAdvertisement(out, 0, ns, 0, OUR_MAC);
        assertThat(Ethernet.dstMac(out, 0)).isEqualTo(0x3333_0000_0001L);
        assertThat(Ipv6.dstHi(out, 14)).isEqualTo(0xff02_0000_0000_0000L);
        assertThat(Ipv6.dstLo(out, 14)).isEqualTo(1L);
        assertThat((int) out.getUnsignedByte(14 + 40 + 4)).as("router and override, not solicited").isEqualTo(0xa0);
        assertThat(Checksum.verifyL4(out, 14)).isTrue();

        ByteBuf withOption = frame(LINUX_NS);
        Ipv6.setSrc(withOption, 14, 0, 0);
        Checksum.fillL4(withOption, 14);
        assertThat(Ndp.isSolicitationFor(withOption, 0, 86, FD00_HI, 2)).as("DAD with a link-layer option").isFalse();
    }
}
