package io.weft.fdb;

/**
 * The {@code Backend} object of the network config for the vxlan backend, after defaults and validation.
 *
 * @param type          always {@code "vxlan"}: the only backend weft implements
 * @param vni           {@code VNI}, 1..16777215, default 1
 * @param port          {@code Port} as configured; 0 means the kernel default, see {@link #effectivePort()}
 * @param mtu           {@code MTU} of the underlay; 0 means "take it from the external interface"
 * @param gbp           {@code GBP}: VXLAN Group Based Policy
 * @param learning      {@code Learning}: the kernel device's learning flag (kept for fidelity; weft never learns)
 * @param directRouting {@code DirectRouting}: route directly to peers on the same L2 segment
 */
public record BackendConfig(String type, int vni, int port, int mtu, boolean gbp, boolean learning, boolean directRouting) {
    public static final String VXLAN = "vxlan";
    /** The vxlan module's {@code udp_port} default, which flannel relies on when Port is 0. */
    public static final int DEFAULT_PORT = 8472;
    public static final int DEFAULT_VNI = 1;
    /** The 50 bytes of outer IPv4 + UDP + VXLAN + inner Ethernet that each frame carries. */
    public static final int VXLAN_OVERHEAD_V4 = 50;
    /** The smallest MTU IPv4 allows (RFC 791), which the overlay must still offer. */
    public static final int MIN_INNER_MTU = 68;

    /** The UDP port peers listen on: {@code port}, or 8472 when it is 0. */
    public int effectivePort() {
        return port == 0 ? DEFAULT_PORT : port;
    }
}
