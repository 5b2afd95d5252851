package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** The VXLAN header's part of {@link VxlanDecap#check}: the reasons it names before it looks behind the header. */
class VxlanTest {
    private static final int FRAME = Vxlan.HEADER_LENGTH + Ethernet.HEADER_LENGTH;
    private static final long OURS = MacAddress.parse("02:00:00:00:00:aa").bits();
    private static final long PEER = MacAddress.parse("02:00:00:00:00:bb").bits();
    /** The header, then a valid inner frame: Ethernet (peer to us, IPv4) and a bare 20-byte IPv4 header. */
    private static final int VALID_FRAME = FRAME + Ipv4.MIN_HEADER_LENGTH;

    private static ByteBuf header(String hex) {
        ByteBuf b = Unpooled.buffer(64);
        b.writeBytes(ByteBufUtil.decodeHexDump(hex));
        b.writeZero(64 - b.writerIndex());
        Ethernet.write(b, Vxlan.HEADER_LENGTH, OURS, PEER, Ethernet.TYPE_IPV4);
        Ipv4.write(b, FRAME, 0, Ipv4.MIN_HEADER_LENGTH, 1, 0, 64, Ip.PROTO_UDP, 1, 2);
        return b;
    }

    @Test
    void writesFlagsIAndThe24BitVni() {
        ByteBuf b = Unpooled.buffer(8);
        Vxlan.write(b, 0, 0xABCDEF);
        assertThat(ByteBufUtil.hexDump(b, 0, 8)).isEqualTo("08000000abcdef00");
        assertThat(Vxlan.vni(b, 0)).isEqualTo(0xABCDEF);
        assertThat(Vxlan.flags(b, 0)).isEqualTo(0x08);
    }

    @Test
    void acceptsTheRfc7348HeaderForItsVni() {
        assertThat(VxlanDecap.check(header("0800000000000100"), 0, VALID_FRAME, 1, OURS)).isEqualTo(FRAME);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "TOO_SHORT,     0800000000000100, 21",
        "TOO_SHORT,     0800000000000100, 0",
        "BAD_FLAGS,     0000000000000100, 22",   // I missing
        "BAD_FLAGS,     8800000000000100, 22",   // GBP's G flag on a non-GBP device
        "BAD_FLAGS,     0c00000000000100, 22",   // an unassigned flag
        "RESERVED_BITS, 0840000000000100, 22",   // GBP's D bit in reserved byte 1
        "RESERVED_BITS, 0800000100000100, 22",   // reserved byte 3
        "RESERVED_BITS, 0800000000000101, 22",   // reserved byte 7
        "WRONG_VNI,     0800000000000200, 22",
        "WRONG_VNI,     0800000001000100, 22",   // VNI 0x010001: only the low bits match
    })
    void namesWhyAHeaderIsRejected(DecapDrop expected, String hex, int length) {
        assertThat(DecapDrop.reason(VxlanDecap.check(header(hex), 0, length, 1, OURS))).isEqualTo(expected);
    }

    @Test
    void everyHeaderReasonIsCoveredAbove() {
        // The header's reasons come first, in vxlan_rcv's order; the rest look behind the header (VxlanDecapTest).
        assertThat(Arrays.copyOf(DecapDrop.values(), 4)).containsExactly(DecapDrop.TOO_SHORT,
                DecapDrop.BAD_FLAGS, DecapDrop.RESERVED_BITS, DecapDrop.WRONG_VNI);
    }
}
