package io.weft.dataplane.capture;

/**
 * Rebuilds the underlay frame around a VXLAN datagram for the capture file: Ethernet (no real MACs are known to us:
 * locally administered placeholders), IPv4 without options (DF clear, TTL 64, as the kernel sends VXLAN), and UDP with
 * checksum 0 ("none", valid over IPv4).
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

    private static int headerChecksum(byte[] f, int ip) {
        long sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((f[ip + i] & 0xFF) << 8) | (f[ip + i + 1] & 0xFF);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
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
