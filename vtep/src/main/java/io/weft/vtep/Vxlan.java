package io.weft.vtep;

import io.netty.buffer.ByteBuf;

/**
 * The 8-byte VXLAN header of RFC 7348: flags(8) reserved(24) VNI(24) reserved(8).
 *
 * <p>Linux is stricter than the RFC: any bit other than I, in the flags or in a reserved field,
 * makes {@code vxlan_rcv} drop the packet. {@link VxlanDecap#check} applies the same rule and names the reason
 * ({@link DecapDrop}).
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
}
