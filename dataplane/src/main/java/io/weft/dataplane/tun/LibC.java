package io.weft.dataplane.tun;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * The libc calls the TUN setup needs. Only used at start-up (hot-path I/O goes through Netty's JNI
 * {@code FileDescriptor}), so JNA's interface mapping, which handles the variadic {@code ioctl}, is fast enough.
 */
interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int O_RDWR = 0x2;
    int O_NONBLOCK = 0x800;
    int O_CLOEXEC = 0x80000;

    int EPERM = 1;
    int ENOENT = 2;
    int EACCES = 13;
    int EBUSY = 16;
    int ENODEV = 19;
    int EINVAL = 22;

    int open(String path, int flags) throws LastErrorException;

    int ioctl(int fd, NativeLong request, Pointer arg) throws LastErrorException;

    /** For ioctls that take their argument by value (TUNSETOFFLOAD). */
    int ioctl(int fd, NativeLong request, NativeLong arg) throws LastErrorException;

    int close(int fd) throws LastErrorException;
}
