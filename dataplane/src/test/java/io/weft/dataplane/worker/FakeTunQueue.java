package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.weft.dataplane.tun.TunPacketHandler;
import io.weft.vtep.VxlanEncap;
import io.weft.vtep.offload.InnerChecksum;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/** A TUN queue in memory, as wireguard-go's channel TUN: packets to be read are queued, packets written are kept. */
final class FakeTunQueue extends WriteOnlyTunQueue {
    private final Queue<byte[]> toRead = new ArrayDeque<>();
    final List<byte[]> written = new ArrayList<>();
    int flushes;
    /** Buffers the handler did not take: the queue would reuse them. */
    int notTaken;

    /** The kernel routes {@code packet} into the TUN: the next read returns it. */
    void arrive(byte[] packet) {
        toRead.add(packet);
    }

    @Override
    public int read(TunPacketHandler handler) {
        byte[] packet = toRead.poll();
        if (packet == null) {
            return READ_NOTHING;
        }
        ByteBuf buf = Unpooled.directBuffer(VxlanEncap.HEADROOM + packet.length);
        buf.setBytes(VxlanEncap.HEADROOM, packet);
        if (handler.packet(buf, VxlanEncap.HEADROOM, packet.length)) {
            return 1;
        }
        buf.release();
        notTaken++;
        return 0;
    }

    @Override
    public void write(ByteBuf buf, int ip, int length, InnerChecksum checksum) {
        written.add(ByteBufUtil.getBytes(buf, ip, length));
    }

    @Override
    public void flush() {
        flushes++;
    }
}
