package io.weft.dataplane;

import io.weft.dataplane.tun.TunDevice;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;
import io.weft.vtep.Vxlan;

import java.net.Inet4Address;

/**
 * What the data plane needs to run.
 *
 * @param device             TUN device name (flannel's is {@code flannel.<VNI>}; weft's default is {@code weft.<VNI>})
 * @param mtu                the TUN MTU (underlay MTU − 50); sizes the buffers
 * @param vni                the VNI sent and required on receive (Backend.VNI, default 1)
 * @param port               UDP port to bind and to send to (Backend.Port, default 8472)
 * @param vtepMac            our VtepMAC: source MAC of the frames we send, required destination MAC of those we take
 * @param localSubnet        this host's lease subnet; decapsulated packets must be addressed into it
 * @param network            the whole overlay Network
 * @param workers            event loops, each with one TUN queue and one SO_REUSEPORT UDP socket
 * @param acceptUnknownVteps take VXLAN packets from senders that are no known peer's PublicIP
 * @param acceptAnyInnerSource take inner packets whatever their source address; by default a peer's packet must come
 *                           from the subnet that peer holds (its VTEP address included), else it is spoofed_source
 * @param offloads           use TUN TSO/checksum offload, UDP GSO/GRO and merging where the kernel has them; false
 *                           forces the per-packet path (also {@code -Dweft.offloads=off} for the 9-argument form)
 * @param bindAddress        the local address the VXLAN sockets bind to and send from, or null for any (0.0.0.0)
 * @param ipv6               the IPv6 overlay (dual-stack, or IPv6-only), or null for an IPv4-only host. IPv6 packets
 *                           share the one TUN device and go over AF_INET6 sockets on the same port (see
 *                           {@link Ipv6Overlay}). An IPv6-only host passes null {@code localSubnet} and {@code network}:
 *                           it then routes no IPv4 at all (flannel's {@code EnableIPv4: false})
 */
public record DataPlaneConfig(
        String device,
        int mtu,
        int vni,
        int port,
        MacAddress vtepMac,
        Subnet localSubnet,
        Subnet network,
        int workers,
        boolean acceptUnknownVteps,
        boolean acceptAnyInnerSource,
        boolean offloads,
        Inet4Address bindAddress,
        Ipv6Overlay ipv6) {

    public static final int DEFAULT_PORT = Vxlan.LINUX_DEFAULT_PORT;
    public static final int MAX_DEFAULT_WORKERS = 8;
    /** System property: {@code off} (or {@code false}) forces the per-packet path where the config does not say. */
    public static final String OFFLOADS_PROPERTY = "weft.offloads";

    /** With offloads on unless {@value #OFFLOADS_PROPERTY} says off. */
    public DataPlaneConfig(String device, int mtu, int vni, int port, MacAddress vtepMac, Subnet localSubnet,
                           Subnet network, int workers, boolean acceptUnknownVteps) {
        this(device, mtu, vni, port, vtepMac, localSubnet, network, workers, acceptUnknownVteps, offloadsByDefault());
    }

    /** With the inner source checked. */
    public DataPlaneConfig(String device, int mtu, int vni, int port, MacAddress vtepMac, Subnet localSubnet,
                           Subnet network, int workers, boolean acceptUnknownVteps, boolean offloads) {
        this(device, mtu, vni, port, vtepMac, localSubnet, network, workers, acceptUnknownVteps, false, offloads);
    }

    /** Bound to any address. */
    public DataPlaneConfig(String device, int mtu, int vni, int port, MacAddress vtepMac, Subnet localSubnet,
                           Subnet network, int workers, boolean acceptUnknownVteps, boolean acceptAnyInnerSource,
                           boolean offloads) {
        this(device, mtu, vni, port, vtepMac, localSubnet, network, workers, acceptUnknownVteps, acceptAnyInnerSource,
                offloads, null);
    }

    /** IPv4 only. */
    public DataPlaneConfig(String device, int mtu, int vni, int port, MacAddress vtepMac, Subnet localSubnet,
                           Subnet network, int workers, boolean acceptUnknownVteps, boolean acceptAnyInnerSource,
                           boolean offloads, Inet4Address bindAddress) {
        this(device, mtu, vni, port, vtepMac, localSubnet, network, workers, acceptUnknownVteps, acceptAnyInnerSource,
                offloads, bindAddress, null);
    }

    /** False if the system property {@value #OFFLOADS_PROPERTY} is {@code off}, {@code false} or {@code 0}. */
    public static boolean offloadsByDefault() {
        String v = System.getProperty(OFFLOADS_PROPERTY, "on").trim().toLowerCase(java.util.Locale.ROOT);
        return !(v.equals("off") || v.equals("false") || v.equals("0") || v.equals("no"));
    }

    public DataPlaneConfig {
        if (device == null || device.isEmpty() || device.length() > TunDevice.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("device name must have 1-" + TunDevice.MAX_NAME_LENGTH + " characters: " + device);
        }
        if (mtu < 68 || mtu > 65535 - 50) {
            throw new IllegalArgumentException("MTU " + mtu + " out of range 68.." + (65535 - 50));
        }
        if (vni < 0 || vni > Vxlan.MAX_VNI) {
            throw new IllegalArgumentException("VNI " + vni + " out of range 0.." + Vxlan.MAX_VNI);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range 1..65535");
        }
        if (vtepMac == null || !vtepMac.isUnicast() || vtepMac.equals(MacAddress.ZERO)) {
            throw new IllegalArgumentException("VtepMAC must be a unicast address, got " + vtepMac);
        }
        boolean ipv6Only = ipv6 != null && localSubnet == null && network == null;
        if (!ipv6Only && (localSubnet == null || network == null || localSubnet.isIpv6() || !network.contains(localSubnet))) {
            throw new IllegalArgumentException("local subnet " + localSubnet + " must be an IPv4 subnet inside the Network "
                    + network + (ipv6 == null ? "" : " (or both null for an IPv6-only host)"));
        }
        if (ipv6 != null && ipv6.mtu() > mtu) {
            throw new IllegalArgumentException("the IPv6 route MTU " + ipv6.mtu() + " is above the TUN MTU " + mtu
                    + "; the TUN must take the larger of the two");
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
    }

    /** min(available cores, 8). */
    public static int defaultWorkers() {
        return Math.min(Runtime.getRuntime().availableProcessors(), MAX_DEFAULT_WORKERS);
    }

    /** True if this host routes IPv4 overlay traffic (it has an IPv4 subnet). */
    public boolean hasIpv4() {
        return localSubnet != null;
    }

    /**
     * True if the workers bind an IPv4 VXLAN socket (and the TCP fallback may run): every host with an IPv4 subnet. An
     * IPv6-only host ({@code EnableIPv4: false}) binds only its AF_INET6 sockets, as flanneld creates only
     * {@code flannel-v6.<VNI>} there, so that it needs no IPv4 on its underlay; its {@link #bindAddress} is null.
     */
    public boolean ipv4Underlay() {
        return hasIpv4();
    }

    /** True if this host routes IPv6 overlay traffic. */
    public boolean hasIpv6() {
        return ipv6 != null;
    }

    /** Our VTEP address, {@code <local subnet>.0}, as an int; 0 on an IPv6-only host. */
    public int vtepAddressV4() {
        return localSubnet == null ? 0 : localSubnet.v4Address();
    }
}
