package io.weft.dataplane.agent;

/** A start-up failure with a message meant for the operator: what is wrong and what to do. */
public final class AgentException extends Exception {
    private static final long serialVersionUID = 1L;

    public AgentException(String message) {
        super(message);
    }

    public AgentException(String message, Throwable cause) {
        super(message, cause);
    }
}
