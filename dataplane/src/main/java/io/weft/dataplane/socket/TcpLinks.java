package io.weft.dataplane.socket;

import io.netty.util.collection.IntObjectHashMap;

/**
 * The TCP fallback connections by peer (its PublicIP), read by every worker per frame without a lock or an allocation
 * and changed rarely (a connection comes or goes): each change publishes a new map with one volatile store, as the
 * forwarding table does.
 */
public final class TcpLinks {
    private volatile IntObjectHashMap<TcpLink> byPeer = new IntObjectHashMap<>();

    /** Hot path: the link to the peer at {@code peer}, or null. */
    public TcpLink get(int peer) {
        return byPeer.get(peer);
    }

    /** Makes {@code link} the one to its peer; returns the one it replaces, or null. */
    synchronized TcpLink put(TcpLink link) {
        IntObjectHashMap<TcpLink> next = new IntObjectHashMap<>(byPeer.size() + 1);
        next.putAll(byPeer);
        TcpLink old = next.put(link.peer(), link);
        byPeer = next;
        return old;
    }

    /** Forgets {@code link} if it is still the one to its peer. */
    synchronized void remove(TcpLink link) {
        if (byPeer.get(link.peer()) != link) {
            return;
        }
        IntObjectHashMap<TcpLink> next = new IntObjectHashMap<>(byPeer.size());
        next.putAll(byPeer);
        next.remove(link.peer());
        byPeer = next;
    }

    synchronized java.util.List<TcpLink> all() {
        return java.util.List.copyOf(byPeer.values());
    }
}
