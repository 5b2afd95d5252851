package io.weft.vtep;

/**
 * A second, deliberately plain RFC 1071 implementation (16-bit words, byte by byte, with explicit pseudo-header
 * bytes) to check {@link Checksum} against.
 */
final class NaiveChecksum {
    private NaiveChecksum() {
    }

    static int sum(byte[]... parts) {
        int total = 0;
        for (byte[] part : parts) {
            for (int i = 0; i < part.length; i += 2) {
                int hi = part[i] & 0xFF;
                int lo = i + 1 < part.length ? part[i + 1] & 0xFF : 0;
                total += (hi << 8) | lo;
                total = (total & 0xFFFF) + (total >>> 16);
            }
        }
        return total;
    }

    static int checksum(byte[]... parts) {
        return ~sum(parts) & 0xFFFF;
    }

    static byte[] pseudoHeaderV6(byte[] src, byte[] dst, int nextHeader, int length) {
        byte[] p = new byte[40];
        System.arraycopy(src, 0, p, 0, 16);
        System.arraycopy(dst, 0, p, 16, 16);
        p[32] = (byte) (length >>> 24);
        p[33] = (byte) (length >>> 16);
        p[34] = (byte) (length >>> 8);
        p[35] = (byte) length;
        p[39] = (byte) nextHeader;
        return p;
    }

    static byte[] pseudoHeaderV4(byte[] src, byte[] dst, int protocol, int length) {
        return new byte[] {src[0], src[1], src[2], src[3], dst[0], dst[1], dst[2], dst[3],
            0, (byte) protocol, (byte) (length >>> 8), (byte) length};
    }
}
