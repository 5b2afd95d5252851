package io.weft.dataplane.interop;

import java.nio.ByteBuffer;

/** Hand-built VXLAN datagrams (UDP payloads) for the bad-input tests; built independently of weft's codec. */
public final class Frames {
    private Frames() {
    }

    static byte[] mac(String text) {
        String[] p = text.split(":");
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return b;
    }

    static byte[] ip(String text) {
        String[] p = text.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(p[i]);
        }
        return b;
    }

    /** VXLAN header with the given first word (flags + reserved) and last word (VNI << 8 | reserved). */
    static ByteBuffer header(int firstWord, int secondWord, int capacity) {
        ByteBuffer b = ByteBuffer.allocate(capacity);
        b.putInt(firstWord).putInt(secondWord);
        return b;
    }

    /** A well-formed VXLAN + Ethernet + IPv4/ICMP echo frame, except for what the arguments change. */
    public static byte[] ipv4(int firstWord, int vni, int lastByte, String dstMac, String srcMac, String srcIp, String dstIp) {
        ByteBuffer b = header(firstWord, (vni << 8) | lastByte, 8 + 14 + 28);
        b.put(mac(dstMac)).put(mac(srcMac)).putShort((short) 0x0800);
        int ipStart = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) 28).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 1).putShort((short) 0).put(ip(srcIp)).put(ip(dstIp));
        b.putShort(ipStart + 10, checksum(b.array(), ipStart, 20));
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putInt(0x12340001);
        b.putShort(ipStart + 22, checksum(b.array(), ipStart + 20, 8));
        return b.array();
    }

    /** An ARP request, broadcast, from {@code srcMac}/{@code srcIp} for {@code targetIp}. */
    static byte[] arpRequest(int vni, String srcMac, String srcIp, String targetIp) {
        ByteBuffer b = header(0x08000000, vni << 8, 8 + 14 + 28);
        b.put(mac("ff:ff:ff:ff:ff:ff")).put(mac(srcMac)).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1)
                .put(mac(srcMac)).put(ip(srcIp)).put(new byte[6]).put(ip(targetIp));
        return b.array();
    }

    static byte[] ip6(String text) {
        try {
            byte[] b = java.net.InetAddress.getByName(text).getAddress();
            if (b.length != 16) {
                throw new IllegalArgumentException("not IPv6: " + text);
            }
            return b;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * An IPv6 Neighbour Solicitation (RFC 4861 §4.3) from {@code srcIp} asking for {@code targetIp}, to its
     * solicited-node group but sent to {@code dstMac} (unicast, as a NUD probe is), with a source link-layer option.
     */
    static byte[] neighbourSolicitation(int vni, String dstMac, String srcMac, String srcIp, String targetIp) {
        ByteBuffer b = header(0x08000000, vni << 8, 8 + 14 + 40 + 32);
        b.put(mac(dstMac)).put(mac(srcMac)).putShort((short) 0x86dd);
        int ipStart = b.position();
        byte[] target = ip6(targetIp);
        byte[] group = ip6("ff02::1:ff00:0");
        System.arraycopy(target, 13, group, 13, 3);
        b.putInt(0x60000000).putShort((short) 32).put((byte) 58).put((byte) 255).put(ip6(srcIp)).put(group);
        int icmp = b.position();
        b.put((byte) 135).put((byte) 0).putShort((short) 0).putInt(0).put(target).put((byte) 1).put((byte) 1).put(mac(srcMac));
        // ICMPv6 checksum: the pseudo-header (source, destination, length, next header) and the message.
        byte[] pseudo = new byte[40 + 32];
        System.arraycopy(b.array(), ipStart + 8, pseudo, 0, 32);
        pseudo[35] = 32;
        pseudo[39] = 58;
        byte[] all = new byte[pseudo.length];
        System.arraycopy(pseudo, 0, all, 0, 40);
        System.arraycopy(b.array(), icmp, all, 40, 32);
        b.putShort(icmp + 2, checksum(all, 0, all.length));
        return b.array();
    }

    private static short checksum(byte[] data, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            sum += ((data[off + i] & 0xFF) << 8) | (i + 1 < len ? data[off + i + 1] & 0xFF : 0);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (short) ~sum;
    }
}
