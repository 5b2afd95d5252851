package io.weft.fdb.registry;

/** A lease in etcd whose key or value does not parse; the message names the key and what was wrong with it. */
public final class MalformedLeaseException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String key;

    public MalformedLeaseException(String key, String detail) {
        super("lease " + key + " does not parse: " + detail.replace('\n', ' '));
        this.key = key;
    }

    /** The etcd key of the lease. */
    public String key() {
        return key;
    }
}
