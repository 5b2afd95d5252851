package io.weft.fdb;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * An immutable snapshot of where to send: route (overlay prefix → peer), FDB (VtepMAC → underlay endpoint)
 * and neighbour (VTEP IP → VtepMAC) views, built from the other hosts' leases.
 *
 * <p>Lookup is O(1) in the number of peers and allocation-free: all leases of a network share one prefix
 * length, so the destination is masked once and found in an open-addressed hash. Leases of other lengths
 * (a config change in flight) get a hash of their own; the longest prefix wins.
 */
public final class ForwardingTable {
    public static final ForwardingTable EMPTY = build(null, List.of(), 8472);

    private final List<Peer> peers;
    private final int port;
    private final PrefixIndex[] v4;
    private final PrefixIndex[] v6;
    private final IntPeerMap byUnderlay;

    private ForwardingTable(List<Peer> peers, int port) {
        this.peers = peers;
        this.port = port;
        this.v4 = PrefixIndex.forV4(peers);
        this.v6 = PrefixIndex.forV6(peers);
        this.byUnderlay = new IntPeerMap(peers.size());
        for (Peer p : peers) {
            byUnderlay.put(p.endpointV4(), p);
        }
    }

    /**
     * Builds a snapshot from the leases, leaving out non-vxlan leases and the local one (matched on its
     * IPv4 subnet). When two leases overlap, the one met first in subnet order is kept.
     *
     * @param localSubnet this host's subnet, or null
     * @param leases      every lease known from etcd
     * @param port        the UDP port every peer listens on (flannel's Backend.Port; peers never publish one)
     */
    public static ForwardingTable build(Subnet localSubnet, Collection<Lease> leases, int port) {
        TreeMap<Subnet, Peer> bySubnet = new TreeMap<>();
        for (Lease l : leases) {
            if (!l.isVxlan() || l.subnet().equals(localSubnet)) {
                continue;
            }
            bySubnet.putIfAbsent(l.subnet(), new Peer(l, port));
        }
        List<Peer> kept = new ArrayList<>();
        for (Peer p : bySubnet.values()) {
            boolean overlaps = kept.stream().anyMatch(k -> k.subnet().overlaps(p.subnet()))
                    || (localSubnet != null && localSubnet.overlaps(p.subnet()));
            if (!overlaps) {
                kept.add(p);
            }
        }
        return new ForwardingTable(Collections.unmodifiableList(kept), port);
    }

    /** The peer whose subnet holds this IPv4 destination, or null. */
    public Peer lookupV4(int dst) {
        for (PrefixIndex idx : v4) {
            Peer p = idx.getV4(dst);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** The peer whose IPv6 subnet holds this destination, or null. */
    public Peer lookupV6(long dstHi, long dstLo) {
        for (PrefixIndex idx : v6) {
            Peer p = idx.getV6(dstHi, dstLo);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    public Peer lookup(InetAddress dst) {
        byte[] b = dst.getAddress();
        return b.length == 4 ? lookupV4(Subnet.bytesToInt(b, 0))
                : lookupV6(Subnet.bytesToLong(b, 0), Subnet.bytesToLong(b, 8));
    }

    /** The peer whose {@code PublicIP} is this IPv4 address, or null: decap's "is the sender a known VTEP". */
    public Peer peerByUnderlayV4(int address) {
        return byUnderlay.get(address);
    }

    public List<Peer> peers() {
        return peers;
    }

    public int size() {
        return peers.size();
    }

    public int port() {
        return port;
    }

    /** The view {@code bridge fdb show dev flannel.1} gives: one permanent entry per peer. */
    public List<FdbEntry> fdb() {
        List<FdbEntry> out = new ArrayList<>();
        for (Peer p : peers) {
            out.add(new FdbEntry(p.vtepMac(), p.lease().publicIp(), port, p.subnet()));
        }
        out.sort(Comparator.comparing(e -> e.mac().toString()));
        return out;
    }

    /** The view {@code ip neigh show dev flannel.1} gives: VTEP address → VtepMAC, permanent. */
    public List<NeighEntry> neighbours() {
        List<NeighEntry> out = new ArrayList<>();
        for (Peer p : peers) {
            out.add(new NeighEntry(p.vtepAddress(), p.vtepMac()));
            if (p.ipv6Subnet() != null && p.v6VtepMac() != null) {
                out.add(new NeighEntry(p.ipv6Subnet().address(), p.v6VtepMac()));
            }
        }
        return out;
    }

    /** One route per peer subnet, via its VTEP address (what flannel installs as onlink routes). */
    public List<RouteEntry> routes() {
        List<RouteEntry> out = new ArrayList<>();
        for (Peer p : peers) {
            out.add(new RouteEntry(p.subnet(), p.vtepAddress(), p));
            if (p.ipv6Subnet() != null) {
                out.add(new RouteEntry(p.ipv6Subnet(), p.ipv6Subnet().address(), p));
            }
        }
        return out;
    }

    /** An FDB entry: frames for {@code mac} go to {@code dst:port}. */
    public record FdbEntry(io.weft.vtep.MacAddress mac, InetAddress dst, int port, Subnet subnet) {
    }

    /** A neighbour entry: {@code address} resolves to {@code mac}. */
    public record NeighEntry(InetAddress address, io.weft.vtep.MacAddress mac) {
    }

    /** A route: {@code prefix} via {@code gateway} (the peer's VTEP address). */
    public record RouteEntry(Subnet prefix, InetAddress gateway, Peer peer) {
    }
}
