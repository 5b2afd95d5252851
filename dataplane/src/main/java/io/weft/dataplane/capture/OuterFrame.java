package io.weft.dataplane.capture;

/**
 * Rebuilds the underlay frame around a VXLAN datagram for the capture file: Ethernet (no real MACs are known to us:
 * locally administered placeholders), IPv4 without options (DF clear, TTL 64, as the kernel sends VXLAN), and UDP with
 * checksum 0 ("none", valid over IPv4); or, for the IPv6 underlay, IPv6 and UDP with its checksum (zero is not valid
 * over IPv6).
 */
final class OuterFrame {
    static final int HEADERS = 14 + 20 + 8;
    private static final byte[] LOCAL_MAC = {0x02, 0, 0, 0, 0, 0x01};
    private static final byte[] REMOTE_MAC = {0x02, 0, 0, 0, 0, 0x02};

    private OuterFrame() {
    }

    /** Writes the 42 header bytes into {@code f}; the UDP payload of {@code udpLength} bytes follows at {@link #HEADERS}. */
    static void writeHeaders(byte[] f, boolean outbound, int localAddress, int localPort, int remoteAddress, int remotePort,
                             int udpLength) {
        System.arraycopy(outbound ? REMOTE_MAC : LOCAL_MAC, 0, f, 0, 6);
        System.arraycopy(outbound ? LOCAL_MAC : REMOTE_MAC, 0, f, 6, 6);
        f[12] = 0x08;
        f[13] = 0x00;
        int ip = 14;
        int total = 20 + 8 + udpLength;
        f[ip] = 0x45;
        f[ip + 1] = 0;
        putShort(f, ip + 2, total);
        putShort(f, ip + 4, 0);
        putShort(f, ip + 6, 0);
        f[ip + 8] = 64;
        f[ip + 9] = 17;
        putShort(f, ip + 10, 0);
        putInt(f, ip + 12, outbound ? localAddress : remoteAddress);
        putInt(f, ip + 16, outbound ? remoteAddress : localAddress);
        putShort(f, ip + 10, headerChecksum(f, ip));
        int udp = ip + 20;
        putShort(f, udp, outbound ? localPort : remotePort);
        putShort(f, udp + 2, outbound ? remotePort : localPort);
        putShort(f, udp + 4, 8 + udpLength);
        putShort(f, udp + 6, 0);
    }

    /** Ethernet + IPv6 + UDP in front of a VXLAN datagram of the IPv6 underlay. */
    static final int HEADERS_V6 = 14 + 40 + 8;

    /**
     * As {@link #writeHeaders} for the IPv6 underlay: Ethernet type 0x86DD, IPv6 (hop limit 64, no flow label) and UDP
     * with its checksum, which IPv6 makes mandatory (weft sends it too). The {@code udpLength} payload bytes must
     * already be at {@link #HEADERS_V6}: the checksum covers them.
     */
    static void writeHeadersV6(byte[] f, boolean outbound, long localHi, long localLo, int localPort, long remoteHi,
                               long remoteLo, int remotePort, int udpLength) {
        System.arraycopy(outbound ? REMOTE_MAC : LOCAL_MAC, 0, f, 0, 6);
        System.arraycopy(outbound ? LOCAL_MAC : REMOTE_MAC, 0, f, 6, 6);
        f[12] = (byte) 0x86;
        f[13] = (byte) 0xDD;
        int ip = 14;
        putInt(f, ip, 6 << 28);
        putShort(f, ip + 4, 8 + udpLength);
        f[ip + 6] = 17;
        f[ip + 7] = 64;
        putLong(f, ip + 8, outbound ? localHi : remoteHi);
        putLong(f, ip + 16, outbound ? localLo : remoteLo);
        putLong(f, ip + 24, outbound ? remoteHi : localHi);
        putLong(f, ip + 32, outbound ? remoteLo : localLo);
        int udp = ip + 40;
        putShort(f, udp, outbound ? localPort : remotePort);
        putShort(f, udp + 2, outbound ? remotePort : localPort);
        putShort(f, udp + 4, 8 + udpLength);
        putShort(f, udp + 6, 0);
        // the pseudo-header (addresses, UDP length, next header 17), then the UDP header and payload
        long sum = sum16(f, ip + 8, 32) + 8 + udpLength + 17 + sum16(f, udp, 8 + udpLength);
        int c = (int) (~fold(sum) & 0xFFFF);
        putShort(f, udp + 6, c == 0 ? 0xFFFF : c);
    }

    private static long sum16(byte[] f, int at, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += ((f[at + i] & 0xFF) << 8) | (f[at + i + 1] & 0xFF);
        }
        if (i < length) {
            sum += (f[at + i] & 0xFF) << 8;
        }
        return sum;
    }

    private static long fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return sum;
    }

    private static void putLong(byte[] f, int at, long v) {
        putInt(f, at, (int) (v >>> 32));
        putInt(f, at + 4, (int) v);
    }

    private static int headerChecksum(byte[] f, int ip) {
        return (int) (~fold(sum16(f, ip, 20)) & 0xFFFF);
    }

    private static void putShort(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 8);
        f[at + 1] = (byte) v;
    }

    private static void putInt(byte[] f, int at, int v) {
        putShort(f, at, v >>> 16);
        putShort(f, at + 2, v);
    }
}
