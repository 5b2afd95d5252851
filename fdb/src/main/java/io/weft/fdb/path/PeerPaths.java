package io.weft.fdb.path;

import io.weft.fdb.Lease;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every peer's {@link PeerPath}, kept from one table snapshot to the next while the peer's addresses stay the same, so
 * that the choice the prober made survives a lease renewal or another peer joining. A peer whose candidates change
 * (a new PublicIP, a new advert) gets a new path, starting again from the public one. Built on the control thread;
 * the prober reads it.
 */
public final class PeerPaths {
    private final Map<String, PeerPath> byLease = new ConcurrentHashMap<>();

    /**
     * The candidates for a peer: its private address if it advertises one other than its {@code PublicIP}, then its
     * {@code PublicIP}, then TCP to its {@code PublicIP} at the TcpPort it advertises (if any); a peer without an
     * advert has the {@code PublicIP} only, as flanneld reaches it.
     */
    public static List<PathCandidate> candidates(Lease lease, WeftAdvert advert, int udpPort) {
        List<PathCandidate> out = new ArrayList<>(3);
        if (lease.publicIp() == null) {
            return out;
        }
        if (advert != null && advert.privateIp() != null && !advert.privateIp().equals(lease.publicIp())) {
            out.add(PathCandidate.of(PathKind.PRIVATE, advert.privateIp(), udpPort));
        }
        out.add(PathCandidate.of(PathKind.PUBLIC, lease.publicIp(), udpPort));
        if (advert != null && advert.tcpPort() > 0) {
            out.add(PathCandidate.of(PathKind.TCP, lease.publicIp(), advert.tcpPort()));
        }
        return out;
    }

    /** The path for the peer holding {@code lease}: the one it had if its candidates are unchanged, else a new one. */
    public PeerPath pathFor(Lease lease, WeftAdvert advert, int udpPort) {
        List<PathCandidate> wanted = candidates(lease, advert, udpPort);
        return byLease.compute(lease.key(), (k, had) -> had != null && had.candidates().equals(wanted) ? had
                : new PeerPath(wanted, wanted.stream().filter(c -> c.kind() == PathKind.PUBLIC).findFirst().orElse(null)));
    }

    /** Forgets the paths of leases that are no longer in the table. */
    public void retainOnly(Collection<String> leaseKeys) {
        Set<String> keep = new HashSet<>(leaseKeys);
        byLease.keySet().retainAll(keep);
    }

    /** The path of the peer with this lease key, or null. */
    public PeerPath get(String leaseKey) {
        return byLease.get(leaseKey);
    }
}
