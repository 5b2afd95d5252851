package io.weft.dataplane.lab;

import io.weft.fdb.BackendData;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.fdb.TableScope;
import io.weft.fdb.path.WeftAdvert;
import io.weft.vtep.MacAddress;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** A hand-fed lease set for lab runs: each change rebuilds the snapshot and publishes it. */
final class StaticPeers {
    private final Subnet localSubnet;
    private final int port;
    private final int vni;
    private final PublishedTable table;
    private final Map<Subnet, Lease> leases = new TreeMap<>();
    private final Map<String, WeftAdvert> adverts = new HashMap<>();

    StaticPeers(Subnet localSubnet, int port, int vni, PublishedTable table) {
        this.localSubnet = localSubnet;
        this.port = port;
        this.vni = vni;
        this.table = table;
    }

    /** {@code subnet publicIp mac}, e.g. {@code 10.244.2.0/24 10.99.0.2 0e:2a:00:00:00:02}: a flannel peer. */
    synchronized void add(String subnet, String publicIp, String mac) {
        add(subnet, publicIp, mac, false);
    }

    /** As {@link #add(String, String, String)}; {@code weft}: the peer is a weft host (as if it advertised itself). */
    synchronized void add(String subnet, String publicIp, String mac, boolean weft) {
        Subnet s = Subnet.parse(subnet);
        InetAddress ip = Subnet.parseAddress(publicIp);
        if (!(ip instanceof Inet4Address)) {
            throw new IllegalArgumentException("public IP must be IPv4: " + publicIp);
        }
        BackendData data = new BackendData(vni, MacAddress.parse(mac));
        Lease lease = new Lease(s, (Inet4Address) ip, null, null, Lease.VXLAN, data, null, null);
        leases.put(s, lease);
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
        table.publish(ForwardingTable.of(TableScope.localOnly(localSubnet, null), leases.values(), adverts, null, port));
    }
}
