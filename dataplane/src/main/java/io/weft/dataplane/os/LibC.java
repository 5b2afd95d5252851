package io.weft.dataplane.os;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The one binding of libc in weft. The calls are bound with JNA's direct mapping: primitive arguments (pointers
 * are raw addresses of direct buffers, or Java arrays that JNA copies for the call), so a call on the receive path
 * allocates nothing and costs about 100 ns, against the tens of microseconds the kernel spends on a batch of
 * datagrams. The variadic {@code open} and {@code ioctl} are bound the same way, with fixed arguments (see {@link #open}).
 *
 * <p>Every call returns what libc returns: -1 on failure, with the error number in {@link #errno()} (compare it with
 * the names in {@link Errno}).
 */
public final class LibC {
    public static final int O_RDWR = 0x2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOCK_NONBLOCK = 0x800;

    public static final int SOL_SOCKET = 1;
    /** cmsg_type of a control message that carries file descriptors. */
    public static final int SCM_RIGHTS = 1;
    public static final int SOL_IP = 0;
    public static final int SOL_UDP = 17;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int IP_HDRINCL = 3;
    public static final int UDP_GRO = 104;
    public static final int IPPROTO_ICMP = 1;

    public static final int MSG_DONTWAIT = 0x40;
    /** msg_flags: the datagram was longer than the buffer and its tail is lost. */
    public static final int MSG_TRUNC = 0x20;

    static {
        Native.register(LibC.class, NativeLibrary.getInstance("c"));
    }

    private LibC() {
    }

    /** The error number of this thread's last failed call. */
    public static int errno() {
        return Native.getLastError();
    }

    /** {@code recvmmsg(2)}; {@code timeout} is a {@code struct timespec *} (0 for none). */
    public static native int recvmmsg(int fd, long msgvec, int vlen, int flags, long timeout);

    public static native int dup(int fd);

    public static native int close(int fd);

    public static native int socket(int domain, int type, int protocol);

    public static native int setsockopt(int fd, int level, int name, byte[] value, int length);

    /** {@code bind(2)}; {@code address} is a {@code struct sockaddr_in} or {@code sockaddr_in6} (start-up only). */
    public static native int bind(int fd, byte[] address, int addressLength);

    public static native long sendto(int fd, byte[] buf, long length, int flags, byte[] address, int addressLength);

    public static native long recv(int fd, byte[] buf, long length, int flags);

    /** {@code sendmsg(2)}; {@code msghdr} is the address of a {@code struct msghdr} (start-up only: the fd store). */
    public static native long sendmsg(int fd, long msghdr, int flags);

    /**
     * {@code open(2)} without a mode (weft never creates a file with it). Variadic in C, bound here like every other
     * call: the same libffi call the interface mapping made, which on x86_64 passes these integer arguments exactly as
     * a variadic call does, without the reflection proxy that took tens of milliseconds of a restart's start.
     */
    public static native int open(String path, int flags);

    /** An ioctl whose argument is a structure, passed as a byte array (copied in and back out). */
    public static native int ioctl(int fd, long request, byte[] arg);

    /** An ioctl that takes its argument by value. */
    public static native int ioctl(int fd, long request, long arg);

    /** {@code setsockopt} with an {@code int} value. */
    public static int setsockopt(int fd, int level, int name, int value) {
        return setsockopt(fd, level, name, intBytes(value), 4);
    }

    /** {@code v} in the machine's (little-endian, x86_64) order, as libc reads an {@code int}. */
    public static byte[] intBytes(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
