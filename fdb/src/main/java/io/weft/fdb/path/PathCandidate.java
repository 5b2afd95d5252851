package io.weft.fdb.path;

import io.weft.fdb.Subnet;

import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * One way to reach a peer: the kind, and the address and port frames go to. One instance per peer and kind, made when
 * the table is built, so the hot path reads {@link #endpoint()} and {@link #addressV4()} without allocating.
 */
public record PathCandidate(PathKind kind, InetSocketAddress endpoint, int addressV4) {
    public static PathCandidate of(PathKind kind, Inet4Address address, int port) {
        return new PathCandidate(kind, new InetSocketAddress(address, port), Subnet.bytesToInt(address.getAddress(), 0));
    }

    /** {@code 10.0.1.5:8472}. */
    public String endpointText() {
        return Subnet.formatAddress(endpoint.getAddress()) + ":" + endpoint.getPort();
    }

    /** {@code private 10.0.1.5:8472}, as the log says it. */
    @Override
    public String toString() {
        return kind.label() + " " + endpointText();
    }
}
