package io.weft.fdb;

import io.weft.vtep.MacAddress;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Comparator;

/**
 * A remote VTEP as the data plane sees it: where to send (underlay endpoint) and which inner destination MAC
 * to write. Built once per table snapshot, so the hot path reads final fields and never allocates; the
 * {@link #endpoint()} and {@link #endpointV6()} objects are reused for every packet sent to this peer.
 *
 * <p>A dual-stack peer has two VTEPs, as flannel's {@code flannel.<VNI>} and {@code flannel-v6.<VNI>} devices:
 * IPv4 overlay traffic goes to {@link #vtepMac()} at {@code PublicIP}, IPv6 overlay traffic to {@link #v6VtepMac()}
 * at {@code PublicIPv6}.
 */
public final class Peer {
    /**
     * Which of several leases naming the same underlay address is the one that host uses now: the lease with the
     * latest expiry (a lease runs 24 h from its last grant, and a stale lease left behind by a reboot or a config
     * change is never renewed), then, for equal or unknown expiries, the lowest subnet, so the choice is stable.
     */
    static final Comparator<Peer> CURRENT_LEASE_FIRST = Comparator
            .comparing((Peer p) -> p.lease.expiry(), Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing(Peer::orderKey);

    private final Lease lease;
    private final MacAddress vtepMac;
    private final long vtepMacBits;
    private final InetSocketAddress endpoint;
    private final int endpointV4;
    private final MacAddress v6VtepMac;
    private final long v6VtepMacBits;
    private final InetSocketAddress endpointV6;

    Peer(Lease lease, int port) {
        this.lease = lease;
        this.vtepMac = lease.backendData().vtepMac();
        this.vtepMacBits = vtepMac.bits();
        this.endpoint = lease.publicIp() == null ? null : new InetSocketAddress(lease.publicIp(), port);
        this.endpointV4 = lease.publicIp() == null ? 0 : Subnet.bytesToInt(lease.publicIp().getAddress(), 0);
        this.v6VtepMac = lease.backendV6Data() == null ? null : lease.backendV6Data().vtepMac();
        this.v6VtepMacBits = v6VtepMac == null ? 0 : v6VtepMac.bits();
        this.endpointV6 = lease.publicIpv6() == null ? null : new InetSocketAddress(lease.publicIpv6(), port);
    }

    public Lease lease() {
        return lease;
    }

    /** The IPv4 subnet; for a lease of an IPv6-only network this is flannel's placeholder {@code 0.0.0.0/0}. */
    public Subnet subnet() {
        return lease.subnet();
    }

    /** The IPv6 subnet of a dual-stack peer, or null. */
    public Subnet ipv6Subnet() {
        return lease.ipv6Subnet();
    }

    /** True if this peer takes IPv4 overlay traffic: it has a real IPv4 subnet and PublicIP. */
    public boolean hasV4() {
        return isRealV4(lease.subnet()) && endpointV4 != 0;
    }

    /** True if this peer takes IPv6 overlay traffic: it has an IPv6 subnet, a v6 VtepMAC and a PublicIPv6. */
    public boolean hasV6() {
        return lease.ipv6Subnet() != null && v6VtepMac != null && endpointV6 != null;
    }

    public MacAddress vtepMac() {
        return vtepMac;
    }

    public long vtepMacBits() {
        return vtepMacBits;
    }

    /** The IPv6 VtepMAC (flannel's {@code flannel-v6.<VNI>} device has its own), or null. */
    public MacAddress v6VtepMac() {
        return v6VtepMac;
    }

    /** {@link #v6VtepMac()} as the low 48 bits of a long, 0 if there is none. */
    public long v6VtepMacBits() {
        return v6VtepMacBits;
    }

    /** The peer's {@code PublicIP}:port, or null without a PublicIP; one instance per snapshot. */
    public InetSocketAddress endpoint() {
        return endpoint;
    }

    /** The peer's {@code PublicIP} as an int, for comparison with a datagram's sender; 0 if none. */
    public int endpointV4() {
        return endpointV4;
    }

    /** The peer's {@code PublicIPv6}:port where IPv6 overlay traffic goes, or null; one instance per snapshot. */
    public InetSocketAddress endpointV6() {
        return endpointV6;
    }

    /** The peer's VTEP address, {@code <subnet>.0}: the onlink gateway flannel routes through. */
    public InetAddress vtepAddress() {
        return lease.subnet().address();
    }

    /** Sort order within a snapshot: IPv4 subnet, then IPv6 subnet. */
    Subnet orderKey() {
        return isRealV4(lease.subnet()) || lease.ipv6Subnet() == null ? lease.subnet() : lease.ipv6Subnet();
    }

    /** flannel writes {@code 0.0.0.0-0} as the IPv4 part of an IPv6-only network's lease key. */
    static boolean isRealV4(Subnet s) {
        return s != null && !(s.prefixLength() == 0 && s.v4Address() == 0);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (hasV4()) {
            sb.append(lease.subnet()).append(" via ").append(vtepMac).append(" at ")
                    .append(Subnet.formatAddress(endpoint.getAddress())).append(':').append(endpoint.getPort());
        }
        if (lease.ipv6Subnet() != null) {
            sb.append(sb.length() > 0 ? ", " : "").append(lease.ipv6Subnet()).append(" via ").append(v6VtepMac)
                    .append(" at ").append(endpointV6 == null ? "?" : Subnet.formatAddress(endpointV6.getAddress()));
        }
        return sb.toString();
    }
}
