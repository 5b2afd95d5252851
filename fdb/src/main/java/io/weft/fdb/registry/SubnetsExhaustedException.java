package io.weft.fdb.registry;

/** Every subnet in [SubnetMin, SubnetMax] is leased; the message names the range and what to do. */
public final class SubnetsExhaustedException extends Exception {
    private static final long serialVersionUID = 1L;

    public SubnetsExhaustedException(String message) {
        super(message);
    }
}
