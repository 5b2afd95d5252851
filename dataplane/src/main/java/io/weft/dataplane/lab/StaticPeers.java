package io.weft.dataplane.lab;

import io.weft.fdb.BackendData;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.Peer;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.fdb.TableScope;
import io.weft.fdb.path.PathKind;
import io.weft.fdb.path.PeerPaths;
import io.weft.fdb.path.WeftAdvert;
import io.weft.vtep.MacAddress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** A hand-fed lease set for lab runs: each change rebuilds the snapshot and publishes it. */
final class StaticPeers {
    /** flannel's IPv4 part of an IPv6-only network's lease. */
    private static final Subnet NO_IPV4 = Subnet.parse("0.0.0.0/0");

    private final Subnet localSubnet;
    private final Subnet localIpv6Subnet;
    private final int port;
    private final int vni;
    private final PublishedTable table;
    /** By the subnet the peer was added with (its IPv4 one, or its IPv6 one on an IPv6-only network). */
    private final Map<Subnet, Lease> leases = new LinkedHashMap<>();
    /** By lease key: the peers marked weft hosts (as if they advertised themselves). */
    private final Map<String, WeftAdvert> adverts = new HashMap<>();
    /** Every peer's TCP fallback port, each peer forced onto TCP; 0: plain UDP peers. */
    private final int tcpPort;
    private final PeerPaths paths = new PeerPaths();

    /**
     * @param localSubnet null on an IPv6-only host; @param localIpv6Subnet null on an IPv4-only one
     * @param tcpPort every peer's TCP fallback port, each peer then forced onto TCP; 0: UDP peers
     */
    StaticPeers(Subnet localSubnet, Subnet localIpv6Subnet, int port, int vni, PublishedTable table, int tcpPort) {
        this.localSubnet = localSubnet;
        this.localIpv6Subnet = localIpv6Subnet;
        this.port = port;
        this.vni = vni;
        this.table = table;
        this.tcpPort = tcpPort;
    }

    /** The peers' PublicIPs, in network order. */
    synchronized java.util.List<Integer> publicIps() {
        return leases.values().stream().filter(l -> l.publicIp() != null)
                .map(l -> Subnet.bytesToInt(l.publicIp().getAddress(), 0)).toList();
    }

    /** {@code subnet publicIp mac}, e.g. {@code 10.244.2.0/24 10.99.0.2 0e:2a:00:00:00:02}: a flannel peer. */
    synchronized void add(String subnet, String publicIp, String mac) {
        add(subnet, publicIp, mac, null, null, null, false);
    }

    /**
     * A dual-stack peer ({@code subnet6 publicIpv6 mac6} may be null: IPv4 only), or an IPv6-only one
     * ({@code subnet} is {@code -}, and so are {@code publicIp} and {@code mac}); {@code weft}: the peer is a weft
     * host (as if it advertised itself).
     */
    synchronized void add(String subnet, String publicIp, String mac, String subnet6, String publicIpv6, String mac6,
            boolean weft) {
        boolean v4 = !"-".equals(subnet);
        Subnet s = v4 ? Subnet.parse(subnet) : NO_IPV4;
        Inet4Address ip = null;
        if (v4) {
            InetAddress a = Subnet.parseAddress(publicIp);
            if (!(a instanceof Inet4Address)) {
                throw new IllegalArgumentException("public IP must be IPv4: " + publicIp);
            }
            ip = (Inet4Address) a;
        }
        Subnet s6 = subnet6 == null ? null : Subnet.parse(subnet6);
        Inet6Address ip6 = null;
        if (subnet6 != null) {
            InetAddress a = Subnet.parseAddress(publicIpv6);
            if (!(a instanceof Inet6Address)) {
                throw new IllegalArgumentException("public IPv6 must be IPv6: " + publicIpv6);
            }
            ip6 = (Inet6Address) a;
        }
        if (!v4 && s6 == null) {
            throw new IllegalArgumentException("a peer needs an IPv4 or an IPv6 subnet");
        }
        BackendData data = v4 ? new BackendData(vni, MacAddress.parse(mac)) : null;
        BackendData data6 = s6 == null ? null : new BackendData(vni, MacAddress.parse(mac6));
        Lease lease = new Lease(s, ip, s6, ip6, Lease.VXLAN, data, data6, null);
        leases.put(v4 ? s : s6, lease);
        if (weft) {
            adverts.put(lease.key(), WeftAdvert.of(null, 0));
        } else {
            adverts.remove(lease.key());
        }
        publish();
    }

    synchronized boolean remove(String subnet) {
        Lease removed = leases.remove(Subnet.parse(subnet));
        if (removed != null) {
            adverts.remove(removed.key());
        }
        publish();
        return removed != null;
    }

    private void publish() {
        boolean onTcp = tcpPort > 0;
        ForwardingTable t = ForwardingTable.of(TableScope.localOnly(localSubnet, localIpv6Subnet), leases.values(),
                onTcp ? everyPeerWithTcp() : adverts, onTcp ? paths : null, port);
        if (onTcp) {
            for (Peer p : t.peers()) {
                p.path().candidates().stream().filter(c -> c.kind() == PathKind.TCP).findFirst().ifPresent(p.path()::use);
            }
        }
        table.publish(t);
    }

    /** An advert of {@link #tcpPort} for every peer, so that each has a TCP candidate. */
    private Map<String, WeftAdvert> everyPeerWithTcp() {
        Map<String, WeftAdvert> all = new HashMap<>();
        for (Lease l : leases.values()) {
            all.put(l.key(), WeftAdvert.of(null, tcpPort));
        }
        return all;
    }
}
