package io.weft.fdb;

import io.weft.vtep.MacAddress;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A remote VTEP as the data plane sees it: where to send (underlay endpoint) and which inner destination MAC
 * to write. Built once per table snapshot, so the hot path reads final fields and never allocates; the
 * {@link #endpoint()} object is reused for every packet sent to this peer.
 */
public final class Peer {
    private final Lease lease;
    private final MacAddress vtepMac;
    private final long vtepMacBits;
    private final InetSocketAddress endpoint;
    private final int endpointV4;
    private final MacAddress v6VtepMac;

    Peer(Lease lease, int port) {
        this.lease = lease;
        this.vtepMac = lease.backendData().vtepMac();
        this.vtepMacBits = vtepMac.bits();
        this.endpoint = new InetSocketAddress(lease.publicIp(), port);
        this.endpointV4 = Subnet.bytesToInt(lease.publicIp().getAddress(), 0);
        this.v6VtepMac = lease.backendV6Data() == null ? null : lease.backendV6Data().vtepMac();
    }

    public Lease lease() {
        return lease;
    }

    public Subnet subnet() {
        return lease.subnet();
    }

    /** The IPv6 subnet of a dual-stack peer, or null. */
    public Subnet ipv6Subnet() {
        return lease.ipv6Subnet();
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

    /** The peer's {@code PublicIP}:port; one instance per snapshot, safe to hand to every send. */
    public InetSocketAddress endpoint() {
        return endpoint;
    }

    /** The peer's {@code PublicIP} as an int, for comparison with a datagram's sender. */
    public int endpointV4() {
        return endpointV4;
    }

    /** The peer's VTEP address, {@code <subnet>.0}: the onlink gateway flannel routes through. */
    public InetAddress vtepAddress() {
        return lease.subnet().address();
    }

    @Override
    public String toString() {
        return lease.subnet() + " via " + vtepMac + " at " + endpoint.getAddress().getHostAddress() + ":" + endpoint.getPort();
    }
}
