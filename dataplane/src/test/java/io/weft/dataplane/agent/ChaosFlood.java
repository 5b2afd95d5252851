package io.weft.dataplane.agent;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Sends the chaos suite's bad datagrams to a weft host's VXLAN port; run inside the sending host's namespace by
 * {@link ChaosFloodTrial}. Three kinds, each from a given source address:
 * <ul>
 *   <li>{@code malformed}: seeded random datagrams, half of them starting with a plausible VXLAN header (right flags,
 *       wrong or right VNI, cut short, or garbage after it), the other half from a stranger's address;</li>
 *   <li>{@code spoofed}: well-formed VXLAN frames from a real peer whose inner source lies outside that peer's
 *       subnet, to a pod's UDP port;</li>
 *   <li>{@code control}: the same frames with an inner source inside the peer's subnet, which must arrive (they show
 *       that the frames and the receiver work, so that "none of the spoofed arrived" means something).</li>
 * </ul>
 * Paced at about {@code rate} datagrams per second, so that the receiver's socket buffer, not weft, is never the
 * reason a datagram is gone. Arguments are {@code name=value}.
 */
public final class ChaosFlood {
    private ChaosFlood() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            a.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(a.get("to")), Integer.parseInt(a.get("port")));
        int rate = Integer.parseInt(a.getOrDefault("rate", "50000"));
        byte[] dstMac = mac(a.get("dst-mac"));
        byte[] srcMac = mac(a.get("src-mac"));
        byte[] dstIp = InetAddress.getByName(a.get("dst-ip")).getAddress();
        int udpPort = Integer.parseInt(a.get("udp-port"));
        try (DatagramChannel peer = bound(a.get("peer-bind")); DatagramChannel stranger = bound(a.get("stranger-bind"))) {
            int control = Integer.parseInt(a.get("control"));
            byte[] legit = InetAddress.getByName(a.get("legit-src")).getAddress();
            for (int i = 0; i < control; i++) {
                peer.send(ByteBuffer.wrap(frame(dstMac, srcMac, legit, dstIp, udpPort, "CTRL")), to);
                Thread.sleep(2);
            }
            Random random = new Random(18);
            int malformed = Integer.parseInt(a.get("malformed"));
            long start = System.nanoTime();
            for (int i = 0; i < malformed; i++) {
                byte[] d = malformed(random, i);
                (i % 2 == 0 ? peer : stranger).send(ByteBuffer.wrap(d), to);
                pace(start, i, rate);
            }
            byte[] spoofSrc = InetAddress.getByName(a.get("spoof-src")).getAddress();
            byte[] spoof = frame(dstMac, srcMac, spoofSrc, dstIp, udpPort, "SPOOF");
            int spoofed = Integer.parseInt(a.get("spoofed"));
            start = System.nanoTime();
            for (int i = 0; i < spoofed; i++) {
                peer.send(ByteBuffer.wrap(spoof), to);
                pace(start, i, rate);
            }
            System.out.println("sent control=" + control + " malformed=" + malformed + " spoofed=" + spoofed);
        }
    }

    private static DatagramChannel bound(String ip) throws Exception {
        DatagramChannel c = DatagramChannel.open();
        c.bind(new InetSocketAddress(InetAddress.getByName(ip), 0));
        return c;
    }

    private static void pace(long start, int i, int rate) throws InterruptedException {
        if (i % 100 == 99) {
            long due = start + (long) (i + 1) * 1_000_000_000L / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }

    /** Random bytes; every second one wears a VXLAN header (flags 0x08) with VNI 1 or another. */
    private static byte[] malformed(Random random, int i) {
        int kind = (i / 2) % 4;
        int len = switch (kind) {
            case 0 -> random.nextInt(8);          // shorter than a VXLAN header
            case 1 -> 8 + random.nextInt(14);     // a header and part of an Ethernet header
            default -> random.nextInt(1400);
        };
        byte[] d = new byte[len];
        random.nextBytes(d);
        if (kind >= 1 && len >= 8) {
            d[0] = 0x08;
            d[1] = d[2] = d[3] = 0;
            d[4] = 0;
            d[5] = 0;
            d[6] = (byte) (kind == 2 ? 1 : random.nextInt(256));
            d[7] = 0;
        }
        return d;
    }

    /** VXLAN (VNI 1) + Ethernet + IPv4 + UDP to {@code dstIp:port} carrying {@code text}. */
    static byte[] frame(byte[] dstMac, byte[] srcMac, byte[] srcIp, byte[] dstIp, int port, String text) {
        byte[] payload = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int ipLen = 20 + 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(8 + 14 + ipLen);
        b.putInt(0x08000000).putInt(1 << 8);
        b.put(dstMac).put(srcMac).putShort((short) 0x0800);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(srcIp).put(dstIp);
        b.putShort(ip + 10, checksum(b.array(), ip, 20));
        b.putShort((short) 40000).putShort((short) port).putShort((short) (8 + payload.length)).putShort((short) 0);
        b.put(payload);
        return b.array();
    }

    private static short checksum(byte[] d, int off, int len) {
        int sum = 0;
        for (int i = 0; i < len; i += 2) {
            sum += ((d[off + i] & 0xFF) << 8) | (d[off + i + 1] & 0xFF);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (short) ~sum;
    }

    private static byte[] mac(String text) {
        String[] p = text.split(":");
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            m[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return m;
    }
}
