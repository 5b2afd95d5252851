package io.weft.dataplane.worker;

import io.netty.channel.unix.FileDescriptor;
import io.weft.dataplane.tun.TunPacketHandler;
import io.weft.dataplane.tun.TunQueue;

/**
 * A TUN queue with no device behind it, for tests: by default it has nothing to read and only takes writes (a test's
 * receive side); {@link FakeTunQueue} adds packets to read. No descriptor, nothing to free.
 */
abstract class WriteOnlyTunQueue implements TunQueue {
    @Override
    public void flush() {
    }

    @Override
    public FileDescriptor fd() {
        throw new UnsupportedOperationException("no descriptor: nothing registers this queue on a loop");
    }

    @Override
    public int maxPacketLength() {
        return 1450;
    }

    @Override
    public int read(TunPacketHandler handler) {
        return READ_NOTHING;
    }

    @Override
    public void close() {
    }
}
