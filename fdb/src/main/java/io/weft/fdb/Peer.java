package io.weft.fdb;

import io.weft.fdb.path.PathCandidate;
import io.weft.fdb.path.PeerPath;
import io.weft.fdb.path.PeerPaths;
import io.weft.fdb.path.WeftAdvert;
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
    private final long endpointV6Hi;
    private final long endpointV6Lo;
    private final WeftAdvert advert;
    private final PeerPath path;

    Peer(Lease lease, int port) {
        this(lease, port, null, PeerPath.publicOnly(PeerPaths.candidates(lease, null, port).stream().findFirst().orElse(null)));
    }

    /**
     * @param advert what the peer tells weft hosts beside its lease, or null for a plain flannel peer
     * @param path   where its IPv4 frames go now, shared with the snapshots before and after this one
     */
    Peer(Lease lease, int port, WeftAdvert advert, PeerPath path) {
        this.advert = advert;
        this.path = path;
        this.lease = lease;
        // An IPv6-only flanneld (EnableIPv4 false) writes no BackendData: such a peer has an IPv6 VTEP only.
        this.vtepMac = lease.backendData() == null ? null : lease.backendData().vtepMac();
        this.vtepMacBits = vtepMac == null ? 0 : vtepMac.bits();
        this.endpoint = lease.publicIp() == null ? null : new InetSocketAddress(lease.publicIp(), port);
        this.endpointV4 = lease.publicIp() == null ? 0 : Subnet.bytesToInt(lease.publicIp().getAddress(), 0);
        this.v6VtepMac = lease.backendV6Data() == null ? null : lease.backendV6Data().vtepMac();
        this.v6VtepMacBits = v6VtepMac == null ? 0 : v6VtepMac.bits();
        this.endpointV6 = lease.publicIpv6() == null ? null : new InetSocketAddress(lease.publicIpv6(), port);
        this.endpointV6Hi = lease.publicIpv6() == null ? 0 : Subnet.bytesToLong(lease.publicIpv6().getAddress(), 0);
        this.endpointV6Lo = lease.publicIpv6() == null ? 0 : Subnet.bytesToLong(lease.publicIpv6().getAddress(), 8);
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

    /** True if this peer takes IPv4 overlay traffic: it has a real IPv4 subnet, a VtepMAC and a PublicIP. */
    public boolean hasV4() {
        return isRealV4(lease.subnet()) && vtepMac != null && endpointV4 != 0;
    }

    /** True if this peer takes IPv6 overlay traffic: it has an IPv6 subnet, a v6 VtepMAC and a PublicIPv6. */
    public boolean hasV6() {
        return lease.ipv6Subnet() != null && lease.ipv6Subnet().isIpv6() && v6VtepMac != null && endpointV6 != null;
    }

    /** The IPv4 VtepMAC ({@code BackendData}), or null for a peer of an IPv6-only network. */
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

    /** True if {@code hi:lo} is this peer's {@code PublicIPv6}, where its IPv6 frames come from. Allocation-free. */
    public boolean sendsFromV6(long hi, long lo) {
        return endpointV6 != null && endpointV6Hi == hi && endpointV6Lo == lo;
    }

    /**
     * What is missing for this peer's IPv6 subnet to be routed ({@code "no PublicIPv6"}, {@code "no BackendV6Data"}),
     * or null if it is routed or the lease has no IPv6 subnet.
     */
    public String ipv6Unusable() {
        if (lease.ipv6Subnet() == null || hasV6()) {
            return null;
        }
        if (!lease.ipv6Subnet().isIpv6()) {
            return "an IPv6 subnet that is not IPv6";
        }
        return v6VtepMac == null && endpointV6 == null ? "no PublicIPv6 and no BackendV6Data"
                : v6VtepMac == null ? "no BackendV6Data (VtepMAC)" : "no PublicIPv6";
    }

    /** What the peer advertises to weft hosts, or null: a plain flannel peer. */
    public WeftAdvert advert() {
        return advert;
    }

    /** The ways to reach the peer and the one in use; a plain flannel peer has its PublicIP only. */
    public PeerPath path() {
        return path;
    }

    /**
     * Where IPv4 frames for this peer go now: the address of the path in use (its PublicIP until the prober has chosen
     * another). Hot path: one acquire load, no allocation.
     */
    public InetSocketAddress sendEndpoint() {
        PathCandidate c = path.current();
        return c == null ? endpoint : c.endpoint();
    }

    /** {@link #sendEndpoint()}'s address as an int, 0 if none. */
    public int sendEndpointV4() {
        PathCandidate c = path.current();
        return c == null ? endpointV4 : c.addressV4();
    }

    /**
     * True if {@code address} is one this peer's frames may come from: its PublicIP, or an address it advertises
     * (weft accepts a weft peer's frames from any of them, and nothing else). Allocation-free.
     */
    public boolean sendsFrom(int address) {
        return address != 0 && (address == endpointV4 || path.isAddress(address));
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
