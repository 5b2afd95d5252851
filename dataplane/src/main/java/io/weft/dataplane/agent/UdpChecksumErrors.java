package io.weft.dataplane.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The UDP datagrams this host's kernel dropped for a bad checksum before any socket saw them: {@code InCsumErrors} of
 * the {@code Udp:} lines in {@code /proc/net/snmp} (one count per network namespace, since it was made).
 *
 * <p>weft cannot count these drops itself, and on an overlay they have one usual source: a kernel flannel host whose
 * {@code flannel.<VNI>} offloads checksums (the default) and whose VXLAN frames are NATed while its own kernel (or one
 * sharing its memory: containers, namespaces) still holds them half-finished. Such a frame carries the outer UDP
 * checksum already computed for the completed inner packet, while the skb is marked CHECKSUM_PARTIAL for the inner TCP
 * checksum; the NAT then adjusts the outer field as if it were the partial one, which makes it wrong. As long as the
 * frame stays partial every kernel on the way trusts it; once something completes the inner checksum (a bridge does),
 * the receiver verifies the outer one and drops the frame in its UDP layer: flanneld's VXLAN socket as well as ours.
 * Ping survives (ICMP is never partial); TCP and UDP between the pods do not. The fix is on the sending host, as
 * flannel's own troubleshooting guide ("NAT") gives it: {@link #fix}.
 */
public final class UdpChecksumErrors {
    /** {@code /proc/net/snmp} of the namespace this process runs in. */
    public static final Path SNMP = Path.of("/proc/net/snmp");

    private UdpChecksumErrors() {
    }

    /** The count in the file at {@code snmp}, or empty if it cannot be read or has no such field. */
    public static OptionalLong read(Path snmp) {
        try {
            return parse(Files.readString(snmp));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The count in {@code /proc/net/snmp}-format text: a {@code Udp:} line of field names followed by a {@code Udp:}
     * line of values. Empty if there is no such pair or no {@code InCsumErrors} field (kernels before 3.10).
     */
    static OptionalLong parse(String snmp) {
        String[] names = null;
        for (String line : snmp.split("\n")) {
            if (!line.startsWith("Udp: ")) {
                continue;
            }
            String[] fields = line.trim().split("\\s+");
            if (names == null) {
                names = fields;
                continue;
            }
            for (int i = 1; i < names.length && i < fields.length; i++) {
                if (names[i].equals("InCsumErrors")) {
                    try {
                        return OptionalLong.of(Long.parseLong(fields[i]));
                    } catch (NumberFormatException e) {
                        return OptionalLong.empty();
                    }
                }
            }
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /** What the dropped datagrams mean on an overlay, in one clause, for a log line or a doctor finding. */
    public static String meaning() {
        return "VXLAN frames from a kernel flannel host whose traffic is NATed arrive so when that host offloads"
                + " checksums: TCP and UDP to its pods then fail while ping works";
    }

    /** What to do about it on the kernel hosts (flannel's troubleshooting guide, section "NAT"). */
    public static String fix(int vni) {
        return "on each kernel flannel host whose VXLAN traffic is NATed, run: ethtool -K flannel." + vni
                + " tx-checksum-ip-generic off (flannel's troubleshooting guide, \"NAT\"; a udev rule keeps it)";
    }
}
