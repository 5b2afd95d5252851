package io.weft.vtep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class VxlanTest {
    private static final int FRAME = Vxlan.HEADER_LENGTH + Ethernet.HEADER_LENGTH;

    private static ByteBuf header(String hex) {
        ByteBuf b = Unpooled.buffer(64);
        b.writeBytes(ByteBufUtil.decodeHexDump(hex));
        b.writeZero(64 - b.writerIndex());
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
        assertThat(Vxlan.check(header("0800000000000100"), 0, FRAME, 1)).isEqualTo(Vxlan.Verdict.OK);
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
    void namesWhyAHeaderIsRejected(Vxlan.Verdict expected, String hex, int length) {
        assertThat(Vxlan.check(header(hex), 0, length, 1)).isEqualTo(expected);
    }

    @Test
    void everyVerdictIsCoveredAbove() {
        assertThat(Vxlan.Verdict.values()).containsExactly(Vxlan.Verdict.OK, Vxlan.Verdict.TOO_SHORT,
                Vxlan.Verdict.BAD_FLAGS, Vxlan.Verdict.RESERVED_BITS, Vxlan.Verdict.WRONG_VNI);
    }
}
