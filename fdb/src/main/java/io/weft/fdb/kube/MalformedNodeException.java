package io.weft.fdb.kube;

/** A node whose flannel annotations or podCIDR do not parse; the message names the node, the field and the value. */
public final class MalformedNodeException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String node;

    public MalformedNodeException(String node, String detail) {
        super("node " + node + ": " + detail.replace('\n', ' ').replace('\r', ' '));
        this.node = node;
    }

    public String node() {
        return node;
    }
}
