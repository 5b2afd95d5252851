package io.weft.dataplane.doctor;

/**
 * One result of {@code weft doctor}.
 *
 * @param check   what was checked, short ({@code vxlan-port}, {@code cni-config}, ...)
 * @param status  how it went
 * @param message what was found
 * @param fix     what to do about it, or null when nothing is to be done
 */
public record Finding(String check, Status status, String message, String fix) {
    public enum Status {
        /** fine */
        OK,
        /** worth knowing, nothing wrong (e.g. no agent running to test through) */
        INFO,
        /** likely to break something in some setups */
        WARN,
        /** broken */
        FAIL;

        public boolean isProblem() {
            return this == WARN || this == FAIL;
        }
    }

    public static Finding ok(String check, String message) {
        return new Finding(check, Status.OK, message, null);
    }

    public static Finding info(String check, String message) {
        return new Finding(check, Status.INFO, message, null);
    }

    public static Finding warn(String check, String message, String fix) {
        return new Finding(check, Status.WARN, message, fix);
    }

    public static Finding fail(String check, String message, String fix) {
        return new Finding(check, Status.FAIL, message, fix);
    }
}
