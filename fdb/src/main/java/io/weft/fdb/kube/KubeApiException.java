package io.weft.fdb.kube;

/** A call to the API server failed; the message says which call and why, in one line. */
public class KubeApiException extends Exception {
    private static final long serialVersionUID = 1L;

    public KubeApiException(String message) {
        super(message.replace('\n', ' ').replace('\r', ' '));
    }
}
