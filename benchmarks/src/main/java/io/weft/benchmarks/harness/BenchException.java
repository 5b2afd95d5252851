package io.weft.benchmarks.harness;

/** A bench step that could not be done; the message says what failed and, where it can, what to do. */
final class BenchException extends RuntimeException {
    BenchException(String message) {
        super(message);
    }

    BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
