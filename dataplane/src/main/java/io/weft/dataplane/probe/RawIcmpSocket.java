package io.weft.dataplane.probe;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import io.netty.buffer.Unpooled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes through the kernel, for a data plane whose workers do not (yet) offer the {@link ProbeInjector} and
 * {@link ProbeReplies} hooks: a raw ICMP socket with {@code IP_HDRINCL} sends our echo (source = our VTEP address)
 * into the kernel, which routes it through the TUN, so the workers encapsulate it like any packet; the peer's answer
 * comes back through the decap path and the TUN, and the raw socket sees a copy, which goes to the prober. The path
 * is the same as pod traffic's; the kernel also sees the answers (and ignores them). Needs CAP_NET_RAW.
 */
public final class RawIcmpSocket implements ProbeInjector, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RawIcmpSocket.class);
    private static final int AF_INET = 2;
    private static final int SOCK_RAW = 3;
    private static final int IPPROTO_ICMP = 1;
    private static final int IPPROTO_IP = 0;
    private static final int IP_HDRINCL = 3;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int MAX_PACKET = 2048;

    interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int setsockopt(int fd, int level, int name, byte[] value, int length) throws LastErrorException;

        int sendto(int fd, byte[] buf, long length, int flags, byte[] addr, int addrLength) throws LastErrorException;

        int recv(int fd, byte[] buf, long length, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final int fd;
    private final Thread reader;
    private volatile boolean closed;
    private volatile ProbeReplies replies;

    private RawIcmpSocket(int fd) {
        this.fd = fd;
        this.reader = new Thread(this::readLoop, "weft-probe-icmp");
        reader.setDaemon(true);
    }

    /**
     * Opens the socket.
     *
     * @throws IllegalStateException with a readable message when raw sockets are not allowed (no CAP_NET_RAW)
     */
    public static RawIcmpSocket open() {
        int fd;
        try {
            fd = C.INSTANCE.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
        } catch (LastErrorException e) {
            throw new IllegalStateException("cannot open a raw ICMP socket for the reachability probes (errno "
                    + e.getErrorCode() + "); weft needs CAP_NET_RAW for them");
        }
        try {
            C.INSTANCE.setsockopt(fd, IPPROTO_IP, IP_HDRINCL, intBytes(1), 4);
            byte[] timeval = new byte[16];
            timeval[8] = (byte) 0x20; // 500 ms in tv_usec (0x07A120), so close() is noticed
            timeval[9] = (byte) 0xA1;
            timeval[10] = 0x07;
            C.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, 16);
        } catch (LastErrorException e) {
            C.INSTANCE.close(fd);
            throw new IllegalStateException("cannot set up the raw ICMP socket (errno " + e.getErrorCode() + ")");
        }
        return new RawIcmpSocket(fd);
    }

    /** Starts handing every ICMP packet the kernel receives to {@code replies} (which keeps only our probes' answers). */
    public RawIcmpSocket deliverTo(ProbeReplies replies) {
        this.replies = replies;
        if (!reader.isAlive()) {
            reader.start();
        }
        return this;
    }

    @Override
    public boolean inject(byte[] ipv4Packet) {
        if (closed) {
            return false;
        }
        byte[] sockaddr = new byte[16];
        sockaddr[0] = AF_INET; // sa_family, little-endian on the platforms weft runs on (x86_64)
        System.arraycopy(ipv4Packet, 16, sockaddr, 4, 4);
        try {
            return C.INSTANCE.sendto(fd, ipv4Packet, ipv4Packet.length, 0, sockaddr, sockaddr.length) == ipv4Packet.length;
        } catch (LastErrorException e) {
            return false;
        }
    }

    private void readLoop() {
        byte[] buf = new byte[MAX_PACKET];
        while (!closed) {
            int n;
            try {
                n = C.INSTANCE.recv(fd, buf, buf.length, 0);
            } catch (LastErrorException e) {
                if (!closed && e.getErrorCode() != 11 && e.getErrorCode() != 4) { // EAGAIN (timeout), EINTR
                    log.warn("reachability probes: reading the raw ICMP socket failed (errno {}); probes stop", e.getErrorCode());
                    return;
                }
                continue;
            }
            ProbeReplies r = replies;
            if (n > 0 && r != null) {
                r.offer(Unpooled.wrappedBuffer(buf, 0, n), 0, n);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        C.INSTANCE.close(fd);
    }

    private static byte[] intBytes(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
