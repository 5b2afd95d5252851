package io.weft.fdb.path;

import java.net.Inet4Address;

/**
 * What a weft host tells other weft hosts beside its flannel lease, which it leaves exactly as flanneld writes it:
 * the address of its underlay interface (reachable from hosts on the same private network, where the lease's
 * {@code PublicIP} may be a NAT address), the TCP port of its fallback transport, and the version of this record.
 * A host that publishes none is a plain flannel peer: reached at its {@code PublicIP} over UDP only.
 *
 * @param version   the record's format version ({@link #VERSION} for what this build writes)
 * @param privateIp the underlay interface address, or null when it is the same as {@code PublicIP}
 * @param tcpPort   the TCP fallback port, or 0 when this host takes no TCP fallback
 */
public record WeftAdvert(int version, Inet4Address privateIp, int tcpPort) {
    /** The version this build writes; readers accept any version at or above 1 and use the fields they know. */
    public static final int VERSION = 1;

    public WeftAdvert {
        if (version < 1) {
            throw new IllegalArgumentException("advert version " + version + " is below 1");
        }
        if (tcpPort < 0 || tcpPort > 65535) {
            throw new IllegalArgumentException("TCP port " + tcpPort + " is outside 0..65535");
        }
    }

    public static WeftAdvert of(Inet4Address privateIp, int tcpPort) {
        return new WeftAdvert(VERSION, privateIp, tcpPort);
    }
}
