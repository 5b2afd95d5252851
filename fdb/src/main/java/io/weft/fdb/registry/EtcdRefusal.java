package io.weft.fdb.registry;

import java.util.Locale;

/**
 * Why etcd refused a request that it did answer, read from its status text: what an operator fixes with a flag,
 * as opposed to an etcd that is down or unreachable.
 */
public enum EtcdRefusal {
    /** The username or password is wrong, or etcd wants them and none were given. */
    CREDENTIALS,
    /** The user is known but may not touch the prefix. */
    PERMISSION,
    /** Anything else: etcd down, unreachable, TLS, timeouts. */
    NONE;

    /** Classifies a failure by its message and the messages of its causes. */
    public static EtcdRefusal of(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            EtcdRefusal r = of(c.getMessage());
            if (r != NONE) {
                return r;
            }
        }
        return NONE;
    }

    /** Classifies a failure by etcd's status text. */
    public static EtcdRefusal of(String message) {
        String m = String.valueOf(message).toLowerCase(Locale.ROOT);
        if (m.contains("unauthenticate") || m.contains("authentication failed") || m.contains("invalid auth token")
                || m.contains("user name is empty") || m.contains("user name not found")) {
            return CREDENTIALS;
        }
        if (m.contains("permission denied")) {
            return PERMISSION;
        }
        return NONE;
    }
}
