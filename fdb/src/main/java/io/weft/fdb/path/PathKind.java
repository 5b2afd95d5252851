package io.weft.fdb.path;

/** The ways to reach a peer, in order of preference: the first that answers is used. */
public enum PathKind {
    /** UDP to the peer's underlay interface address: hosts on one private network, no hairpin through a NAT. */
    PRIVATE("private"),
    /** UDP to the lease's {@code PublicIP}: what flanneld does, and the only path to a plain flannel peer. */
    PUBLIC("public"),
    /**
     * The same VXLAN frames, length-prefixed over one TCP connection to the peer's {@code PublicIP} and advertised
     * TcpPort: for a provider that drops UDP between hosts. Last: used only while no UDP path answers.
     */
    TCP("tcp");

    private final String label;

    PathKind(String label) {
        this.label = label;
    }

    /** The word {@code weft peers} and the metrics use. */
    public String label() {
        return label;
    }
}
