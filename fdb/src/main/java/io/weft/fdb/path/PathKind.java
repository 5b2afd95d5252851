package io.weft.fdb.path;

/** The ways to reach a peer, in order of preference: the first that answers is used. */
public enum PathKind {
    /** UDP to the peer's underlay interface address: hosts on one private network, no hairpin through a NAT. */
    PRIVATE("private"),
    /** UDP to the lease's {@code PublicIP}: what flanneld does, and the only path to a plain flannel peer. */
    PUBLIC("public");

    private final String label;

    PathKind(String label) {
        this.label = label;
    }

    /** The word {@code weft peers} and the metrics use. */
    public String label() {
        return label;
    }
}
