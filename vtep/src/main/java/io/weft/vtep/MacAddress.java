package io.weft.vtep;

import io.netty.buffer.ByteBuf;

import java.util.Locale;

/**
 * A 48-bit Ethernet address, held in the low 48 bits of a {@code long} so that the hot path can
 * compare and write it without objects ({@link #readBits}, {@link #writeBits}).
 */
public final class MacAddress {
    public static final int LENGTH = 6;
    private static final long MASK = 0xFFFF_FFFF_FFFFL;
    public static final MacAddress BROADCAST = new MacAddress(MASK);
    public static final MacAddress ZERO = new MacAddress(0L);

    private final long bits;

    private MacAddress(long bits) {
        this.bits = bits & MASK;
    }

    public static MacAddress of(long bits) {
        return new MacAddress(bits);
    }

    public static MacAddress of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, got " + bytes.length);
        }
        long v = 0;
        for (byte b : bytes) {
            v = (v << 8) | (b & 0xFF);
        }
        return new MacAddress(v);
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} or {@code AA-BB-CC-DD-EE-FF}, in either case. */
    public static MacAddress parse(String text) {
        String s = text.trim();
        if (s.length() != 17) {
            throw new IllegalArgumentException("not a MAC address (want aa:bb:cc:dd:ee:ff): \"" + text + "\"");
        }
        long v = 0;
        for (int i = 0; i < 6; i++) {
            int at = i * 3;
            if (i > 0) {
                char sep = s.charAt(at - 1);
                if (sep != ':' && sep != '-') {
                    throw new IllegalArgumentException("not a MAC address (want aa:bb:cc:dd:ee:ff): \"" + text + "\"");
                }
            }
            int hi = Character.digit(s.charAt(at), 16);
            int lo = Character.digit(s.charAt(at + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("not a MAC address (want aa:bb:cc:dd:ee:ff): \"" + text + "\"");
            }
            v = (v << 8) | (hi << 4) | lo;
        }
        return new MacAddress(v);
    }

    /** Reads 6 bytes at {@code index} as the low 48 bits of a long; no allocation. */
    public static long readBits(ByteBuf buf, int index) {
        return ((long) buf.getUnsignedShort(index) << 32) | buf.getUnsignedInt(index + 2);
    }

    /** Writes the low 48 bits of {@code bits} as 6 bytes at {@code index}; no allocation. */
    public static void writeBits(ByteBuf buf, int index, long bits) {
        buf.setShort(index, (int) (bits >>> 32));
        buf.setInt(index + 2, (int) bits);
    }

    public static MacAddress readFrom(ByteBuf buf, int index) {
        return new MacAddress(readBits(buf, index));
    }

    public void writeTo(ByteBuf buf, int index) {
        writeBits(buf, index, bits);
    }

    public long bits() {
        return bits;
    }

    public byte[] toBytes() {
        byte[] out = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            out[i] = (byte) (bits >>> (40 - 8 * i));
        }
        return out;
    }

    /** The U/L bit (0x02 of the first byte): set for addresses not assigned by a vendor. */
    public boolean isLocallyAdministered() {
        return ((bits >>> 40) & 0x02) != 0;
    }

    /** The I/G bit (0x01 of the first byte) clear. */
    public boolean isUnicast() {
        return ((bits >>> 40) & 0x01) == 0;
    }

    public boolean isBroadcast() {
        return bits == MASK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress && ((MacAddress) o).bits == bits;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bits);
    }

    /** Lowercase and colon-separated, the form flannel writes into {@code VtepMAC}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 0; i < LENGTH; i++) {
            if (i > 0) {
                sb.append(':');
            }
            int b = (int) (bits >>> (40 - 8 * i)) & 0xFF;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }
}
