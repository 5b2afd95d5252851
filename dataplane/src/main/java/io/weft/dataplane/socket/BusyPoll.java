package io.weft.dataplane.socket;

import io.weft.dataplane.os.LibC;

/**
 * SO_BUSY_POLL on the workers' VXLAN sockets, for latency: when a non-blocking receive finds the socket's queue
 * empty, the kernel first polls the device queue (NAPI) the socket's last packet came from, for up to the given
 * microseconds, instead of returning at once and leaving the packet to the next softirq. It only helps where that
 * device polls (a NIC, a veth with GRO or XDP) and it costs CPU while it spins.
 *
 * <p>Off unless {@code weft run --busy-poll-us N} (or {@code -Dweft.udp.busypoll.us=N}) asks for it. Setting it above
 * {@code net.core.busy_read} needs CAP_NET_ADMIN, which weft has; failing that the socket stays as it was (best
 * effort, at start-up only). Netty's epoll loop itself does not busy-poll (that would take EPIOCSPARAMS on its
 * private epoll fd, or the machine-wide {@code net.core.busy_poll}), so this is the receive call's poll alone.
 */
public final class BusyPoll {
    /** {@code SO_BUSY_POLL} (asm-generic/socket.h). */
    static final int SO_BUSY_POLL = 46;
    /** System property: microseconds of busy polling per empty receive; 0 or unset is off. */
    public static final String PROPERTY = "weft.udp.busypoll.us";
    /** The largest value accepted: a busy poll longer than a millisecond only burns the core. */
    public static final int MAX_MICROS = 1000;

    private BusyPoll() {
    }

    /** The microseconds {@value #PROPERTY} asks for, 0 when unset; out of range or not a number is an error. */
    public static int wanted() {
        return checked(System.getProperty(PROPERTY, "0").trim());
    }

    /** {@code v} as microseconds of busy polling; out of range or not a number is an error naming the flag. */
    public static int checked(String v) {
        int us;
        try {
            us = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(message(v));
        }
        if (us < 0 || us > MAX_MICROS) {
            throw new IllegalArgumentException(message(v));
        }
        return us;
    }

    private static String message(String v) {
        return "--busy-poll-us wants a whole number of microseconds from 0 (off) to " + MAX_MICROS + ", got " + v;
    }

    /** Sets SO_BUSY_POLL to {@code micros} on {@code fd}; true if the kernel took it. */
    public static boolean apply(int fd, int micros) {
        return LibC.setsockopt(fd, LibC.SOL_SOCKET, SO_BUSY_POLL, micros) == 0;
    }
}
