package io.weft.fdb.path;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * The ways to reach one peer and the one in use. The candidates are fixed; which one is used is changed by the path
 * chooser (on the probe thread) and read for every packet by the workers, without a lock: a release store here, an
 * acquire load there, so a worker that sees the new candidate sees it whole. It lives as long as the peer's lease
 * keeps the same addresses, across table snapshots ({@link PeerPaths}), so a new snapshot does not reset the choice.
 */
public final class PeerPath {
    private static final VarHandle CURRENT;

    static {
        try {
            CURRENT = MethodHandles.lookup().findVarHandle(PeerPath.class, "current", PathCandidate.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final List<PathCandidate> candidates;
    /** The candidates' addresses, for the per-packet sender check (an array: no iterator). */
    private final int[] addresses;
    private final PathCandidate fallback;
    @SuppressWarnings("unused") // through CURRENT
    private PathCandidate current;

    /**
     * @param candidates in order of preference (private, public, tcp)
     * @param fallback   the one used until the probes have said better, and when nothing answers: the public UDP one
     */
    public PeerPath(List<PathCandidate> candidates, PathCandidate fallback) {
        if (fallback != null && !candidates.contains(fallback)) {
            throw new IllegalArgumentException("the fallback " + fallback + " is not among " + candidates);
        }
        this.candidates = List.copyOf(candidates);
        this.addresses = candidates.stream().mapToInt(PathCandidate::addressV4).toArray();
        this.fallback = fallback;
        CURRENT.setRelease(this, fallback);
    }

    /** A plain flannel peer's path: its {@code PublicIP} over UDP, nothing else. */
    public static PeerPath publicOnly(PathCandidate publicUdp) {
        return publicUdp == null ? new PeerPath(List.of(), null) : new PeerPath(List.of(publicUdp), publicUdp);
    }

    public List<PathCandidate> candidates() {
        return candidates;
    }

    public PathCandidate fallback() {
        return fallback;
    }

    /** True if there is anything to choose between (a weft peer with a private address). */
    public boolean choosable() {
        return candidates.size() > 1;
    }

    /** The candidate in use, or null for a peer with no IPv4 endpoint. Hot path: one acquire load. */
    public PathCandidate current() {
        return (PathCandidate) CURRENT.getAcquire(this);
    }

    /** Makes {@code c}, one of the candidates, the one in use from the next packet on. */
    public void use(PathCandidate c) {
        if (!candidates.contains(c)) {
            throw new IllegalArgumentException(c + " is not a candidate of this peer");
        }
        CURRENT.setRelease(this, c);
    }

    /** True if {@code address} is one of the peer's advertised addresses: a frame from it is the peer's. */
    public boolean isAddress(int address) {
        for (int a : addresses) {
            if (a == address) {
                return true;
            }
        }
        return false;
    }
}
