package io.weft.dataplane.probe;

import io.weft.fdb.Subnet;

/**
 * A peer to probe: its lease subnet (whose first address {@code <subnet>.0} is its VTEP address) and where its
 * packets go, for the messages.
 */
public record Target(Subnet subnet, String publicIp, int port) {
    public int vtepAddress() {
        return subnet.v4Address();
    }
}
