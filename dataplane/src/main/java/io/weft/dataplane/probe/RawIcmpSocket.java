package io.weft.dataplane.probe;

import io.netty.buffer.Unpooled;
import io.weft.dataplane.os.Errno;
import io.weft.dataplane.os.LibC;
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
    private static final int MAX_PACKET = 2048;

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
        int fd = LibC.socket(LibC.AF_INET, LibC.SOCK_RAW, LibC.IPPROTO_ICMP);
        if (fd < 0) {
            throw new IllegalStateException("cannot open a raw ICMP socket for the reachability probes (errno "
                    + LibC.errno() + "); weft needs CAP_NET_RAW for them");
        }
        byte[] timeval = new byte[16];
        timeval[8] = (byte) 0x20; // 500 ms in tv_usec (0x07A120), so close() is noticed
        timeval[9] = (byte) 0xA1;
        timeval[10] = 0x07;
        if (LibC.setsockopt(fd, LibC.SOL_IP, LibC.IP_HDRINCL, 1) < 0
                || LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeval, 16) < 0) {
            int errno = LibC.errno();
            LibC.close(fd);
            throw new IllegalStateException("cannot set up the raw ICMP socket (errno " + errno + ")");
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
        sockaddr[0] = LibC.AF_INET; // sa_family, little-endian on the platforms weft runs on (x86_64)
        System.arraycopy(ipv4Packet, 16, sockaddr, 4, 4);
        return LibC.sendto(fd, ipv4Packet, ipv4Packet.length, 0, sockaddr, sockaddr.length) == ipv4Packet.length;
    }

    private void readLoop() {
        byte[] buf = new byte[MAX_PACKET];
        while (!closed) {
            int n = (int) LibC.recv(fd, buf, buf.length, 0);
            if (n < 0) {
                int errno = LibC.errno();
                if (!closed && errno != Errno.EAGAIN && errno != Errno.EINTR) { // EAGAIN: the receive timeout
                    log.warn("reachability probes: reading the raw ICMP socket failed (errno {}); probes stop", errno);
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
        LibC.close(fd);
    }
}
