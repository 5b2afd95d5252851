package io.weft.dataplane.probe;

/**
 * Hands an inner IPv4 packet to a data-plane worker's encap path, as if it had been read from the TUN: it is looked
 * up in the forwarding table, wrapped in VXLAN and sent to the peer like any packet, so a probe tests exactly the path
 * pod traffic takes. Called off the hot path (a few packets per peer every few seconds).
 */
@FunctionalInterface
public interface ProbeInjector {
    /**
     * Queues {@code ipv4Packet} on a worker's event loop.
     *
     * @return false if no worker could take it (the data plane is stopping)
     */
    boolean inject(byte[] ipv4Packet);

    /**
     * As {@link #inject}, but the frame goes to {@code via} (one of the peer's candidate paths) instead of the path the
     * peer uses now: how each path is probed.
     *
     * @return false if the frame could not be sent that way (this injector cannot pick a path)
     */
    default boolean injectVia(byte[] ipv4Packet, java.net.InetSocketAddress via) {
        return false;
    }

    /**
     * As {@link #injectVia(byte[], java.net.InetSocketAddress)} for one of the peer's candidates: a TCP candidate's
     * frame goes over the peer's TCP fallback connection, a UDP one's to its address.
     */
    default boolean injectVia(byte[] ipv4Packet, io.weft.fdb.path.PathCandidate via) {
        return via.kind() != io.weft.fdb.path.PathKind.TCP && injectVia(ipv4Packet, via.endpoint());
    }
}
