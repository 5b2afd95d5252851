package io.weft.fdb.registry;

/** etcd did not answer a request in time or refused it; the message names the endpoints and the request. */
public final class EtcdUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    public EtcdUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
