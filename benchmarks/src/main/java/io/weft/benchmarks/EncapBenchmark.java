package io.weft.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.weft.vtep.Checksum;
import io.weft.vtep.FlowHash;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.MacAddress;
import io.weft.vtep.VxlanEncap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * The per-packet encap work of a worker on a 1400-byte inner IPv4/TCP packet that sits at
 * {@link VxlanEncap#HEADROOM} in a pooled direct buffer, as the TUN read leaves it: read the inner destination
 * (the table key), write VXLAN+Ethernet in place, compute the flow hash and the UDP source port. The table
 * lookup itself is {@code TableLookupBenchmark}. {@code outerUdpChecksum} is what a 1422-byte UDP payload
 * checksum costs, should weft ever fill the outer checksum itself (today the kernel socket does).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar Encap -prof gc -f 1 -wi 3 -i 3 -w 2s -r 2s}.
 * Expect gc.alloc.rate.norm ≈ 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EncapBenchmark {
    static final int PACKET_LENGTH = 1400;
    private static final long OUR_MAC = MacAddress.parse("02:42:0a:f4:01:00").bits();
    private static final long PEER_MAC = MacAddress.parse("02:42:0a:f4:02:00").bits();

    private ByteBuf buf;
    private int flow;

    @Setup(Level.Trial)
    public void packet() {
        buf = innerPacket();
        buf.setInt(VxlanEncap.HEADROOM + 20, 40000 << 16 | 443);
    }

    /**
     * A pooled buffer holding a {@link #PACKET_LENGTH}-byte IPv4 TCP packet (10.244.1.5 to 10.244.2.7, patterned
     * payload) at {@link VxlanEncap#HEADROOM}, with the headroom free for the VXLAN and Ethernet headers.
     */
    static ByteBuf innerPacket() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(VxlanEncap.HEADROOM + PACKET_LENGTH);
        int ip = VxlanEncap.HEADROOM;
        Ipv4.write(b, ip, 0, PACKET_LENGTH, 1, Ipv4.FLAG_DF, 64, Ip.PROTO_TCP,
                Ipv4.parse("10.244.1.5"), Ipv4.parse("10.244.2.7"));
        for (int i = ip + 20; i < ip + PACKET_LENGTH; i++) {
            b.setByte(i, i * 31);
        }
        return b;
    }

    @TearDown(Level.Trial)
    public void release() {
        buf.release();
    }

    @Benchmark
    public long encapsulate() {
        int ip = VxlanEncap.HEADROOM;
        // A different source port per call, so that the hash is not the same value every time.
        buf.setShort(ip + 20, 32768 + (flow++ & 0x3FFF));
        int dst = VxlanEncap.innerDestinationV4(buf, ip);
        int start = VxlanEncap.encapsulate(buf, ip, 1, OUR_MAC, PEER_MAC);
        int port = VxlanEncap.sourcePort(buf, ip, PACKET_LENGTH, FlowHash.DEFAULT_MIN_PORT, FlowHash.DEFAULT_MAX_PORT);
        return (long) dst << 32 | (long) start << 16 | port;
    }

    @Benchmark
    public int outerUdpChecksum() {
        int start = VxlanEncap.HEADROOM - VxlanEncap.OVERHEAD;
        long acc = Checksum.pseudoHeaderV4(0x0A4D_0901, 0x0A4D_0902, Ip.PROTO_UDP, 8 + VxlanEncap.OVERHEAD + PACKET_LENGTH);
        return Checksum.finish(Checksum.add(acc, buf, start, VxlanEncap.OVERHEAD + PACKET_LENGTH));
    }
}
