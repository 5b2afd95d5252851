package io.weft.dataplane.agent;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * sd_notify(3) without libsystemd: one datagram to {@code $NOTIFY_SOCKET} (a path, or an abstract name starting
 * with '@'). The JDK's Unix-domain channels are stream-only on Java 17, so the datagram goes through libc via JNA.
 * Without {@code NOTIFY_SOCKET} (not started by systemd) every call is a no-op.
 */
public final class SystemdNotify {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SUN_PATH_MAX = 108;

    private final String socket;

    interface LibC extends Library {
        int socket(int domain, int type, int protocol);

        long sendto(int fd, byte[] buf, long len, int flags, Pointer addr, int addrLen);

        int close(int fd);
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

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
    public synchronized boolean send(String message) {
        if (socket == null) {
            return false;
        }
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_MAX) {
            log.warn("NOTIFY_SOCKET is too long for sockaddr_un: {}", socket);
            return false;
        }
        Memory addr = new Memory(2 + SUN_PATH_MAX);
        addr.clear();
        addr.setShort(0, (short) AF_UNIX);
        addr.write(2, path, 0, path.length);
        if (path[0] == '@') {
            addr.setByte(2, (byte) 0); // abstract namespace
        }
        int addrLen = 2 + path.length + (path[0] == '@' ? 0 : 1);
        LibC libc = Holder.LIBC;
        int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            log.warn("sd_notify: socket() failed, errno {}", Native.getLastError());
            return false;
        }
        try {
            byte[] msg = message.getBytes(StandardCharsets.UTF_8);
            long n = libc.sendto(fd, msg, msg.length, 0, addr, addrLen);
            if (n < 0) {
                log.warn("sd_notify to {} failed, errno {}", socket, Native.getLastError());
                return false;
            }
            return true;
        } finally {
            libc.close(fd);
        }
    }
}
