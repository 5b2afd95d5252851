package io.weft.dataplane.socket;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;

/**
 * SO_RCVBUFFORCE / SO_SNDBUFFORCE: as root (CAP_NET_ADMIN) these set the socket buffers above
 * {@code net.core.rmem_max}/{@code wmem_max}, which default to about 208 KB and silently cap SO_RCVBUF. Without
 * the capability the call fails and the plain (capped) size stays: best effort, at start-up only.
 */
final class ForcedBufferSizes {
    private static final int SOL_SOCKET = 1;
    private static final int SO_SNDBUFFORCE = 32;
    private static final int SO_RCVBUFFORCE = 33;

    private interface Sock extends Library {
        Sock INSTANCE = Native.load("c", Sock.class);

        int setsockopt(int fd, int level, int name, IntByReference value, int len) throws LastErrorException;
    }

    private ForcedBufferSizes() {
    }

    /** True if both sizes were forced. */
    static boolean apply(int fd, int bytes) {
        try {
            IntByReference v = new IntByReference(bytes);
            Sock.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, v, 4);
            Sock.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, v, 4);
            return true;
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            return false;
        }
    }
}
