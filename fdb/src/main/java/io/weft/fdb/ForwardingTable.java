package io.weft.fdb;

import io.weft.fdb.path.PathCandidate;
import io.weft.fdb.path.PathKind;
import io.weft.fdb.path.PeerPaths;
import io.weft.fdb.path.WeftAdvert;
import io.weft.vtep.MacAddress;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of where to send: route (overlay prefix → peer), FDB (VtepMAC → underlay endpoint)
 * and neighbour (VTEP IP → VtepMAC) views, built from the other hosts' leases.
 *
 * <p>Lookup is O(1) in the number of peers and allocation-free: all leases of a network share one prefix
 * length, so the destination is masked once and found in an open-addressed hash. Leases of other lengths
 * (a config change in flight, or a wider lease written by hand) get a hash of their own, searched longest first:
 * the longest prefix wins, as in the kernel's routing table.
 *
 * <p>Snapshots are handed to the workers through {@link PublishedTable}; a new set of leases means a new snapshot.
 */
public final class ForwardingTable {
    public static final ForwardingTable EMPTY = of(TableScope.ANY, List.of(), BackendConfig.DEFAULT_PORT);

    private final List<Peer> peers;
    private final List<LeaseIssue> issues;
    private final int port;
    private final PrefixIndex[] v4;
    private final PrefixIndex[] v6;
    private final IntPeerMap byUnderlayV4;
    private final PrefixIndex byUnderlayV6;

    private ForwardingTable(List<Peer> peers, List<LeaseIssue> issues, int port) {
        this.peers = peers;
        this.issues = issues;
        this.port = port;
        this.v4 = PrefixIndex.forV4(peers);
        this.v6 = PrefixIndex.forV6(peers);
        List<Peer> current = new ArrayList<>(peers);
        current.sort(Peer.CURRENT_LEASE_FIRST);
        this.byUnderlayV4 = new IntPeerMap(peers.size());
        List<Peer> withV6 = new ArrayList<>();
        for (Peer p : current) {
            if (p.endpointV4() != 0) {
                byUnderlayV4.putIfAbsent(p.endpointV4(), p);
            }
            if (p.endpointV6() != null) {
                withV6.add(p);
            }
        }
        // A weft peer's private address is known after every PublicIP, so it never hides a host that uses it as its
        // PublicIP; two sites using the same private range share addresses, and the inner-source check then decides.
        for (Peer p : current) {
            for (PathCandidate c : p.path().candidates()) {
                if (c.kind() == PathKind.PRIVATE) {
                    byUnderlayV4.putIfAbsent(c.addressV4(), p);
                }
            }
        }
        this.byUnderlayV6 = new PrefixIndex(128, true, withV6, p -> Subnet.of(p.endpointV6().getAddress(), 128));
    }

    /** As {@link #of(TableScope, Collection, int)} for a host without an IPv6 subnet, with no network check. */
    public static ForwardingTable build(Subnet localSubnet, Collection<Lease> leases, int port) {
        return of(TableScope.localOnly(localSubnet, null), leases, port);
    }

    /** As {@link #of(TableScope, Collection, int)} with no network check. */
    public static ForwardingTable build(Subnet localSubnet, Subnet localIpv6Subnet, Collection<Lease> leases,
                                        int port) {
        return of(TableScope.localOnly(localSubnet, localIpv6Subnet), leases, port);
    }

    /**
     * Builds a snapshot from the leases, leaving out non-vxlan leases, leases without a usable subnet or VtepMAC,
     * and the local lease (the one holding the scope's local subnet).
     *
     * <p>Overlapping leases are all routed to, by longest prefix as the kernel routes a flanneld host's per-lease
     * routes: flannel's allocator never creates them, but a hand-written key or a broken tool can, and a wider lease
     * must not take a real node's traffic. A lease outside the scope's network, or overlapping the local subnet, is
     * refused, so local traffic is never sent away. Each of these is in {@link #issues()}.
     *
     * @param scope  the networks leases must lie in and this host's own subnets
     * @param leases every lease known from etcd
     * @param port   the UDP port every peer listens on (flannel's Backend.Port; peers never publish one)
     */
    public static ForwardingTable of(TableScope scope, Collection<Lease> leases, int port) {
        return of(scope, leases, Map.of(), null, port);
    }

    /**
     * As {@link #of(TableScope, Collection, int)}, with what weft peers advertise beside their leases.
     *
     * @param adverts by lease key ({@link Lease#key()}); a lease without one is a plain flannel peer
     * @param paths   where each peer's path is kept across snapshots, or null for fresh ones (tests, tools)
     */
    public static ForwardingTable of(TableScope scope, Collection<Lease> leases, Map<String, WeftAdvert> adverts,
                                     PeerPaths paths, int port) {
        PeerPaths kept = paths != null ? paths : new PeerPaths();
        List<Peer> candidates = new ArrayList<>();
        List<LeaseIssue> v6Issues = new ArrayList<>();
        boolean routesV6 = scope.localIpv6() != null || scope.ipv6Network() != null;
        for (Lease l : leases) {
            if (!isVxlanPeer(l)) {
                continue;
            }
            boolean local = (Peer.isRealV4(l.subnet()) && l.subnet().equals(scope.local()))
                    || (l.ipv6Subnet() != null && l.ipv6Subnet().equals(scope.localIpv6()));
            if (local) {
                continue;
            }
            WeftAdvert advert = adverts.get(l.key());
            Peer p = new Peer(l, port, advert, kept.pathFor(l, advert, port));
            String unusable = routesV6 ? p.ipv6Unusable() : null;
            if (unusable != null) {
                v6Issues.add(new LeaseIssue(LeaseIssue.Kind.NO_IPV6_ROUTE, l, null, "lease " + l.key() + " has IPv6 subnet "
                        + l.ipv6Subnet() + " but " + unusable + "; its IPv6 traffic is dropped (no_route)"
                        + (p.hasV4() ? ", its IPv4 subnet is routed" : "") + ". Its flanneld runs without IPv6 on its"
                        + " interface: give it -public-ipv6 or an -iface with an IPv6 address"));
            }
            if (p.hasV4() || p.hasV6()) {
                candidates.add(p);
            }
        }
        LeaseScreen.Result screened = LeaseScreen.screen(scope, candidates);
        kept.retainOnly(screened.kept().stream().map(p -> p.lease().key()).toList());
        List<LeaseIssue> issues = new ArrayList<>(v6Issues);
        issues.addAll(screened.issues());
        return new ForwardingTable(Collections.unmodifiableList(screened.kept()), Collections.unmodifiableList(issues),
                port);
    }

    /**
     * A lease weft may forward to: a vxlan lease with a subnet and the backend data of at least one family (an
     * IPv6-only flanneld writes {@code BackendV6Data} and no {@code BackendData}).
     */
    private static boolean isVxlanPeer(Lease l) {
        return l != null && Lease.VXLAN.equals(l.backendType()) && (l.backendData() != null || l.backendV6Data() != null)
                && (l.subnet() != null || l.ipv6Subnet() != null);
    }

    /** The peer whose subnet holds this IPv4 destination, or null. Allocation-free. */
    public Peer lookupV4(int dst) {
        for (PrefixIndex idx : v4) {
            Peer p = idx.getV4(dst);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** The peer whose IPv6 subnet holds this destination (high and low 64 bits), or null. Allocation-free. */
    public Peer lookupV6(long dstHi, long dstLo) {
        for (PrefixIndex idx : v6) {
            Peer p = idx.getV6(dstHi, dstLo);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** Convenience for the control plane and tests; allocates. */
    public Peer lookup(InetAddress dst) {
        byte[] b = dst.getAddress();
        return b.length == 4 ? lookupV4(Subnet.bytesToInt(b, 0))
                : lookupV6(Subnet.bytesToLong(b, 0), Subnet.bytesToLong(b, 8));
    }

    /**
     * The peer whose {@code PublicIP} is this IPv4 address, or null: decap's "is the sender a known VTEP".
     * When several leases name the same PublicIP (a stale lease left behind by a host that took a new subnet),
     * the one with the latest expiry is returned, then the lowest subnet ({@link Peer#CURRENT_LEASE_FIRST}).
     * The stale leases still route their own subnets until they expire, as they do with flanneld.
     */
    public Peer peerByUnderlayV4(int address) {
        return address == 0 ? null : byUnderlayV4.get(address);
    }

    /** As {@link #peerByUnderlayV4} for a {@code PublicIPv6}, given as high and low 64 bits. Allocation-free. */
    public Peer peerByUnderlayV6(long hi, long lo) {
        return byUnderlayV6.getV6(hi, lo);
    }

    /** The leases refused, and the overlaps found, when this snapshot was built; in the order found. */
    public List<LeaseIssue> issues() {
        return issues;
    }

    /** Every peer in the snapshot, in subnet order. */
    public List<Peer> peers() {
        return peers;
    }

    public int size() {
        return peers.size();
    }

    public int port() {
        return port;
    }

    /**
     * The view {@code bridge fdb show dev flannel.1} (and {@code flannel-v6.1}) gives: one permanent entry per
     * peer VTEP, sorted by MAC.
     */
    public List<FdbEntry> fdb() {
        List<FdbEntry> out = new ArrayList<>();
        for (Peer p : peers) {
            if (p.hasV4()) {
                out.add(new FdbEntry(p.vtepMac(), p.lease().publicIp(), port, p.subnet()));
            }
            if (p.hasV6()) {
                out.add(new FdbEntry(p.v6VtepMac(), p.lease().publicIpv6(), port, p.ipv6Subnet()));
            }
        }
        out.sort(Comparator.comparingLong((FdbEntry e) -> e.mac().bits()).thenComparing(FdbEntry::subnet));
        return out;
    }

    /** The view {@code ip neigh show dev flannel.1} gives: VTEP address → VtepMAC, permanent; subnet order. */
    public List<NeighEntry> neighbours() {
        List<NeighEntry> out = new ArrayList<>();
        for (Peer p : peers) {
            if (p.hasV4()) {
                out.add(new NeighEntry(p.vtepAddress(), p.vtepMac()));
            }
            if (p.hasV6()) {
                out.add(new NeighEntry(p.ipv6Subnet().address(), p.v6VtepMac()));
            }
        }
        return out;
    }

    /** One route per peer subnet, via its VTEP address (what flannel installs as onlink routes); subnet order. */
    public List<RouteEntry> routes() {
        List<RouteEntry> out = new ArrayList<>();
        for (Peer p : peers) {
            if (p.hasV4()) {
                out.add(new RouteEntry(p.subnet(), p.vtepAddress(), p));
            }
            if (p.hasV6()) {
                out.add(new RouteEntry(p.ipv6Subnet(), p.ipv6Subnet().address(), p));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "ForwardingTable{" + peers.size() + " peers, port " + port + "}";
    }

    /** An FDB entry: frames for {@code mac} go to {@code dst:port}; {@code subnet} is the overlay it serves. */
    public record FdbEntry(MacAddress mac, InetAddress dst, int port, Subnet subnet) {
    }

    /** A neighbour entry: {@code address} resolves to {@code mac}. */
    public record NeighEntry(InetAddress address, MacAddress mac) {
    }

    /** A route: {@code prefix} via {@code gateway} (the peer's VTEP address). */
    public record RouteEntry(Subnet prefix, InetAddress gateway, Peer peer) {
    }
}
