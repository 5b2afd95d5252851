package io.weft.dataplane;

/**
 * A start-up failure the user can fix: the message is one readable line that says what is wrong and what to do.
 * Callers print {@link #getMessage()} and exit non-zero; no stack trace is needed.
 */
public class DataPlaneException extends RuntimeException {
    public DataPlaneException(String message) {
        super(message);
    }

    public DataPlaneException(String message, Throwable cause) {
        super(message, cause);
    }
}
