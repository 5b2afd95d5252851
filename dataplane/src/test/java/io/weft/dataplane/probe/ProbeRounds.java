package io.weft.dataplane.probe;

import io.netty.buffer.ByteBuf;
import io.weft.fdb.Subnet;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

/**
 * A manual clock and the far end of a fake tunnel, to drive a {@link Prober} round by round: what a test's injector
 * lets through ({@link #arrived}) is answered, and the notices are kept. No sockets.
 */
final class ProbeRounds {
    static final long SECOND = 1_000_000_000L;

    long now = 1000 * SECOND;
    final List<byte[]> arrived = new ArrayList<>();
    final List<String> notices = new ArrayList<>();

    static Inet4Address ip(String s) {
        return (Inet4Address) Subnet.parseAddress(s);
    }

    /** One probe interval: send, the peer answers what reached it, time passes. */
    void round(Prober prober) {
        prober.tick();
        now += SECOND / 100;
        for (byte[] request : arrived) {
            ByteBuf b = ProberTest.echoReplyFor(request);
            prober.offer(b, 0, b.readableBytes());
        }
        arrived.clear();
        now += 2 * SECOND - SECOND / 100;
    }

    /** The path switches logged so far. */
    List<String> switches() {
        return notices.stream().filter(n -> n.contains(": path ")).toList();
    }
}
