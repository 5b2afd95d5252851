package io.weft.dataplane.lab;

import io.weft.fdb.BackendData;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Peer;
import io.weft.fdb.TableScope;
import io.weft.fdb.path.PathKind;
import io.weft.fdb.path.PeerPaths;
import io.weft.fdb.path.WeftAdvert;
import io.weft.fdb.Lease;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Map;
import java.util.TreeMap;

/** A hand-fed lease set for lab runs: each change rebuilds the snapshot and publishes it. */
final class StaticPeers {
    private final Subnet localSubnet;
    private final int port;
    private final int vni;
    private final PublishedTable table;
    private final Map<Subnet, Lease> leases = new TreeMap<>();
    /** Every peer's TCP fallback port, each peer forced onto TCP; 0: plain UDP peers. */
    private final int tcpPort;
    private final PeerPaths paths = new PeerPaths();

    StaticPeers(Subnet localSubnet, int port, int vni, PublishedTable table) {
        this(localSubnet, port, vni, table, 0);
    }

    StaticPeers(Subnet localSubnet, int port, int vni, PublishedTable table, int tcpPort) {
        this.localSubnet = localSubnet;
        this.port = port;
        this.vni = vni;
        this.table = table;
        this.tcpPort = tcpPort;
    }

    /** The peers' PublicIPs, in network order. */
    synchronized java.util.List<Integer> publicIps() {
        return leases.values().stream().map(l -> Subnet.bytesToInt(l.publicIp().getAddress(), 0)).toList();
    }

    /** {@code subnet publicIp mac}, e.g. {@code 10.244.2.0/24 10.99.0.2 0e:2a:00:00:00:02}. */
    synchronized void add(String subnet, String publicIp, String mac) {
        Subnet s = Subnet.parse(subnet);
        InetAddress ip = Subnet.parseAddress(publicIp);
        if (!(ip instanceof Inet4Address)) {
            throw new IllegalArgumentException("public IP must be IPv4: " + publicIp);
        }
        BackendData data = new BackendData(vni, MacAddress.parse(mac));
        leases.put(s, new Lease(s, (Inet4Address) ip, null, null, Lease.VXLAN, data, null, null));
        publish();
    }

    synchronized boolean remove(String subnet) {
        boolean removed = leases.remove(Subnet.parse(subnet)) != null;
        publish();
        return removed;
    }

    private void publish() {
        if (tcpPort == 0) {
            table.publish(ForwardingTable.build(localSubnet, leases.values(), port));
            return;
        }
        Map<String, WeftAdvert> adverts = new java.util.HashMap<>();
        for (Lease l : leases.values()) {
            adverts.put(l.key(), WeftAdvert.of(null, tcpPort));
        }
        ForwardingTable t = ForwardingTable.of(TableScope.localOnly(localSubnet, null), leases.values(), adverts, paths, port);
        for (Peer p : t.peers()) {
            p.path().candidates().stream().filter(c -> c.kind() == PathKind.TCP).findFirst().ifPresent(p.path()::use);
        }
        table.publish(t);
    }
}
