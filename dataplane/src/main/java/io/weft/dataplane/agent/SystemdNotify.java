package io.weft.dataplane.agent;

import io.weft.dataplane.os.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Memory;

import java.nio.charset.StandardCharsets;

/**
 * sd_notify(3) without libsystemd: one datagram to {@code $NOTIFY_SOCKET} (a path, or an abstract name starting
 * with '@'). The JDK's Unix-domain channels are stream-only on Java 17, so the datagram goes through {@link LibC}.
 * Without {@code NOTIFY_SOCKET} (not started by systemd) every call is a no-op.
 */
public final class SystemdNotify {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);
    private static final int SUN_PATH_MAX = 108;

    private final String socket;

    public SystemdNotify(String notifySocket) {
        this.socket = notifySocket == null || notifySocket.isEmpty() ? null : notifySocket;
    }

    public static SystemdNotify fromEnvironment() {
        return new SystemdNotify(System.getenv("NOTIFY_SOCKET"));
    }

    public boolean enabled() {
        return socket != null;
    }

    /** Sends {@code READY=1} plus a status line. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    public void watchdog() {
        send("WATCHDOG=1");
    }

    public void stopping() {
        send("STOPPING=1");
    }

    public void status(String status) {
        send("STATUS=" + status);
    }

    /** The watchdog interval systemd asked for ({@code WATCHDOG_USEC}), or 0 if none. */
    public static long watchdogMicros() {
        String usec = System.getenv("WATCHDOG_USEC");
        String pid = System.getenv("WATCHDOG_PID");
        if (usec == null || (pid != null && !pid.equals(Long.toString(ProcessHandle.current().pid())))) {
            return 0;
        }
        try {
            return Long.parseLong(usec.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Sends one notification; failures are logged, never thrown: the service must not die for its supervisor. */
    public boolean send(String message) {
        return sendWithFd(message, -1);
    }

    /**
     * Sends one notification with {@code fd} attached as SCM_RIGHTS (for {@code FDSTORE=1}), or none if {@code fd} is
     * negative. Failures are logged, never thrown.
     */
    public synchronized boolean sendWithFd(String message, int fd) {
        if (socket == null) {
            return false;
        }
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_MAX) {
            log.warn("NOTIFY_SOCKET is too long for sockaddr_un: {}", socket);
            return false;
        }
        byte[] addr = new byte[2 + SUN_PATH_MAX]; // struct sockaddr_un: sun_family (little-endian short), sun_path
        addr[0] = (byte) LibC.AF_UNIX;
        System.arraycopy(path, 0, addr, 2, path.length);
        if (path[0] == '@') {
            addr[2] = 0; // abstract namespace
        }
        int addrLen = 2 + path.length + (path[0] == '@' ? 0 : 1);
        int sock = LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (sock < 0) {
            log.warn("sd_notify: socket() failed, errno {}", LibC.errno());
            return false;
        }
        try {
            byte[] msg = message.getBytes(StandardCharsets.UTF_8);
            long n;
            if (fd < 0) {
                n = LibC.sendto(sock, msg, msg.length, 0, addr, addrLen);
            } else {
                Memory mem = new Memory(SystemdFdStore.msghdrSize(addr, msg));
                mem.clear();
                n = LibC.sendmsg(sock, SystemdFdStore.msghdr(mem, addr, addrLen, msg, fd), 0);
                java.lang.ref.Reference.reachabilityFence(mem); // the native memory must outlive the call
            }
            if (n < 0) {
                log.warn("sd_notify to {} failed, errno {}", socket, LibC.errno());
                return false;
            }
            return true;
        } finally {
            LibC.close(sock);
        }
    }
}
