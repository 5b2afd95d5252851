package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/**
 * The 8-byte VXLAN header of RFC 7348: flags(8) reserved(24) VNI(24) reserved(8).
 *
 * <p>Linux is stricter than the RFC: any bit other than I, in the flags or in a reserved field,
 * makes {@code vxlan_rcv} drop the packet. {@link #check} applies the same rule and names the reason.
 */
public final class Vxlan {
    public static final int HEADER_LENGTH = 8;
    /** The I flag: the VNI field is valid. */
    public static final int FLAG_I = 0x08;
    public static final int MAX_VNI = 0xFF_FFFF;
    /** The port a Linux vxlan device uses when none is given (the vxlan module's udp_port), and flannel's default. */
    public static final int LINUX_DEFAULT_PORT = 8472;
    /** The IANA port of RFC 7348. */
    public static final int IANA_PORT = 4789;

    private Vxlan() {
    }

    /** Why a header is, or is not, acceptable. */
    public enum Verdict {
        OK,
        /** fewer than 8 bytes, or no room for the inner Ethernet header after it */
        TOO_SHORT,
        /** the flags byte is not exactly 0x08 (I missing, or another flag such as GBP's G set) */
        BAD_FLAGS,
        /** a reserved field (bytes 1-3 or byte 7) is not zero */
        RESERVED_BITS,
        /** the VNI is not the one this device serves */
        WRONG_VNI
    }

    /** Writes flags 0x08, zero reserved fields and the 24-bit VNI at {@code index}. */
    public static void write(ByteBuf buf, int index, int vni) {
        buf.setInt(index, FLAG_I << 24);
        buf.setInt(index + 4, (vni & MAX_VNI) << 8);
    }

    /** The 24-bit VNI of the header at {@code index}. */
    public static int vni(ByteBuf buf, int index) {
        return buf.getInt(index + 4) >>> 8;
    }

    public static int flags(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index);
    }

    /**
     * Checks the header at {@code index}, where {@code length} bytes are readable from {@code index}
     * (the UDP payload). The packet must also hold at least the inner Ethernet header.
     */
    public static Verdict check(ByteBuf buf, int index, int length, int expectedVni) {
        if (length < HEADER_LENGTH + Ethernet.HEADER_LENGTH) {
            return Verdict.TOO_SHORT;
        }
        int first = buf.getInt(index);
        if ((first >>> 24) != FLAG_I) {
            return Verdict.BAD_FLAGS;
        }
        if ((first & 0xFF_FFFF) != 0) {
            return Verdict.RESERVED_BITS;
        }
        int second = buf.getInt(index + 4);
        if ((second & 0xFF) != 0) {
            return Verdict.RESERVED_BITS;
        }
        if ((second >>> 8) != (expectedVni & MAX_VNI)) {
            return Verdict.WRONG_VNI;
        }
        return Verdict.OK;
    }
}
