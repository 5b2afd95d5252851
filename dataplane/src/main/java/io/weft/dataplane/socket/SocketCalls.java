package io.weft.dataplane.socket;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The libc calls of the receive path, bound with JNA's direct mapping: primitive arguments only (pointers are raw
 * addresses of direct buffers), so a call allocates nothing and costs about 100 ns, against the tens of
 * microseconds the kernel spends copying a batch of datagrams. The error number of a failed call is in
 * {@link Native#getLastError()}.
 */
final class SocketCalls {
    static final int EAGAIN = 11;
    static final int EINTR = 4;
    static final int MSG_DONTWAIT = 0x40;
    /** msg_flags: the datagram was longer than the buffer and its tail is lost. */
    static final int MSG_TRUNC = 0x20;
    static final int SOL_UDP = 17;
    static final int UDP_GRO = 104;

    static {
        Native.register(SocketCalls.class, NativeLibrary.getInstance("c"));
    }

    private SocketCalls() {
    }

    /** {@code recvmmsg(2)}; {@code timeout} is a {@code struct timespec *} (0 for none). */
    static native int recvmmsg(int fd, long msgvec, int vlen, int flags, long timeout);

    static native int dup(int fd);
}
