package io.weft.dataplane.os;

import io.netty.channel.unix.Errors;

/**
 * The Linux error numbers weft tells apart (asm-generic/errno-base.h, errno.h), by name, so that code compares a
 * failed call's error with a constant instead of matching the text of its message.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;

    private Errno() {
    }

    /**
     * True if {@code cause}, or one of its causes, is Netty's report of a native call that failed with {@code errno}
     * (Netty keeps the error as a negative number in {@link Errors.NativeIoException#expectedErr()}).
     */
    public static boolean is(Throwable cause, int errno) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof Errors.NativeIoException && ((Errors.NativeIoException) t).expectedErr() == -errno) {
                return true;
            }
        }
        return false;
    }
}
