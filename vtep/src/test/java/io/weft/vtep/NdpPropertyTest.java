package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import static org.assertj.core.api.Assertions.assertThat;

/** Neighbour discovery over arbitrary addresses, and over frames that are cut short or are noise. */
class NdpPropertyTest {
    private static final int NS_FRAME = Ethernet.HEADER_LENGTH + Ipv6.HEADER_LENGTH + 32;

    /** A solicitation as Linux sends it: to the target's solicited-node group, with a source link-layer option. */
    private static ByteBuf solicitation(long mac, long srcHi, long srcLo, long targetHi, long targetLo) {
        ByteBuf b = Unpooled.buffer(NS_FRAME);
        Ethernet.write(b, 0, 0x3333_ff00_0000L | (targetLo & 0xFF_FFFFL), mac, Ethernet.TYPE_IPV6);
        Ipv6.write(b, 14, 0, 0, 32, Ip.PROTO_ICMPV6, 255, srcHi, srcLo, 0xff02_0000_0000_0000L,
                0x0000_0001_ff00_0000L | (targetLo & 0xFF_FFFFL));
        b.setByte(54, Icmpv6.TYPE_NEIGHBOR_SOLICITATION);
        b.setLong(62, targetHi);
        b.setLong(70, targetLo);
        b.setByte(78, 1);
        b.setByte(79, 1);
        MacAddress.writeBits(b, 80, mac);
        Checksum.fillL4(b, 14);
        b.writerIndex(NS_FRAME);
        return b;
    }

    @Property
    void everySolicitationForUsIsAnsweredToItsSenderWithAValidAdvertisement(
            @ForAll long requesterMac, @ForAll long srcHi, @ForAll long srcLo, @ForAll long targetHi,
            @ForAll long targetLo, @ForAll long ourMac) {
        long mac = requesterMac & 0xFEFF_FFFF_FFFFL;
        long our = ourMac & 0xFEFF_FFFF_FFFFL;
        long src = srcHi == 0 && srcLo == 0 ? 1 : srcLo;
        ByteBuf ns = solicitation(mac, srcHi, src, targetHi, targetLo);
        assertThat(Ndp.isSolicitationFor(ns, 0, NS_FRAME, targetHi, targetLo)).isTrue();
        assertThat(Ndp.isSolicitationFor(ns, 0, NS_FRAME, targetHi, targetLo ^ 1)).isFalse();

        ByteBuf na = Unpooled.buffer(Ndp.ADVERTISEMENT_FRAME_LENGTH);
        Ndp.writeAdvertisement(na, 0, ns, 0, our);
        assertThat(Ethernet.dstMac(na, 0)).isEqualTo(mac);
        assertThat(Ethernet.srcMac(na, 0)).isEqualTo(our);
        assertThat(Ipv6.srcHi(na, 14)).isEqualTo(targetHi);
        assertThat(Ipv6.srcLo(na, 14)).isEqualTo(targetLo);
        assertThat(Ipv6.dstHi(na, 14)).isEqualTo(srcHi);
        assertThat(Ipv6.dstLo(na, 14)).isEqualTo(src);
        assertThat(Checksum.verifyL4(na, 14)).isTrue();
        assertThat(MacAddress.readBits(na, 54 + 26)).isEqualTo(our);
    }

    @Property
    void aSolicitationCutShortIsNeverTakenForOne(@ForAll @IntRange(max = NS_FRAME - 1) int length) {
        ByteBuf ns = solicitation(0x0200_0000_000aL, 0xfe80_0000_0000_0000L, 0xa, 0xfd00_0000_0000_0000L, 2);
        ByteBuf cut = Unpooled.wrappedBuffer(ns.copy(0, length));
        assertThat(Ndp.isSolicitationFor(cut, 0, length, 0xfd00_0000_0000_0000L, 2)).isFalse();
    }

    @Property
    void noiseNeverThrows(@ForAll @Size(max = 200) byte[] bytes, @ForAll long targetHi, @ForAll long targetLo) {
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        Ndp.isSolicitationFor(b, 0, bytes.length, targetHi, targetLo);
    }
}
