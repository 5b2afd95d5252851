package io.weft.dataplane.probe;

import io.weft.fdb.Subnet;
import io.weft.fdb.path.PeerPath;

/**
 * A peer to probe: its lease subnet (whose first address {@code <subnet>.0} is its VTEP address) and where its
 * packets go, for the messages; and, for a weft peer with more than one way to reach it, its {@link PeerPath}, whose
 * candidates are probed one by one and whose choice the prober makes (null: a plain flannel peer).
 */
public record Target(Subnet subnet, String publicIp, int port, PeerPath path) {
    public Target(Subnet subnet, String publicIp, int port) {
        this(subnet, publicIp, port, null);
    }

    public int vtepAddress() {
        return subnet.v4Address();
    }
}
