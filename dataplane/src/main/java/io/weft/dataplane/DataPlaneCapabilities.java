package io.weft.dataplane;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The offloads the data plane found and uses, probed at start-up.
 *
 * @param requested   offloads were asked for ({@link DataPlaneConfig#offloads()})
 * @param tunVnetHdr  the TUN carries a virtio_net_hdr (IFF_VNET_HDR); without it everything is per packet
 * @param tunChecksum TUN_F_CSUM: partial checksums are passed to weft to finish
 * @param tunTso      TUN_F_TSO4|TSO6: TCP super-packets up to 64 KB are read from and written to the TUN
 * @param tunUso      TUN_F_USO4|USO6 (Linux 6.2+): the same for UDP
 * @param udpGso      UDP_SEGMENT: a super-packet's segments leave in one GSO send (off again after an EIO)
 * @param udpGro      UDP_GRO: the kernel hands over coalesced runs of datagrams
 */
public record DataPlaneCapabilities(boolean requested, boolean tunVnetHdr, boolean tunChecksum, boolean tunTso,
                                    boolean tunUso, boolean udpGso, boolean udpGro) {

    /** "offloads" (TSO in, merged writes out) or "per-packet". */
    public String mode() {
        return tunVnetHdr ? "offloads" : "per-packet";
    }

    /** For {@code weft stats}: {@code mode} and every capability as {@code on}/{@code off}, in a stable order. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("mode", mode());
        m.put("tun_vnet_hdr", onOff(tunVnetHdr));
        m.put("tun_csum", onOff(tunChecksum));
        m.put("tun_tso", onOff(tunTso));
        m.put("tun_uso", onOff(tunUso));
        m.put("udp_gso", onOff(udpGso));
        m.put("udp_gro", onOff(udpGro));
        return m;
    }

    /** One log line, e.g. {@code mode=offloads tun_vnet_hdr=on ... udp_gro=on}. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : toMap().entrySet()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }
}
