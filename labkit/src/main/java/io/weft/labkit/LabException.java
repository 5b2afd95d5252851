package io.weft.labkit;

/** A lab step that could not be done: a command failed, a process did not come up. The message says which and why. */
public class LabException extends IllegalStateException {
    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
