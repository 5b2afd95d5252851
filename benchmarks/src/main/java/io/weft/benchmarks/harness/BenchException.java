package io.weft.benchmarks.harness;

import io.weft.labkit.LabException;
/**
 * A bench step that could not be done; the message says what failed and, where it can, what to do. A failed lab step
 * (a {@link LabException} from the lab kit) is handled the same way.
 */
final class BenchException extends LabException {
    BenchException(String message) {
        super(message);
    }

    BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
