package io.weft.benchmarks;

import io.netty.buffer.ByteBuf;
import io.weft.vtep.DecapDrop;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.MacAddress;
import io.weft.vtep.VxlanDecap;
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
 * The per-packet wire checks of a worker's receive path on a VXLAN frame carrying a 1400-byte inner IPv4
 * packet, in a pooled direct buffer as a datagram read leaves it: {@link VxlanDecap#check} (flags, reserved bits,
 * VNI, loop, destination MAC, EtherType, IP consistency) and the extraction of the inner destination and length
 * the worker needs next. {@code rejectWrongVni} is a frame dropped with a reason, counted by ordinal.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar Decap -prof gc -f 1 -wi 3 -i 3 -w 2s -r 2s}.
 * Expect gc.alloc.rate.norm ≈ 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecapBenchmark {
    private static final int PACKET_LENGTH = EncapBenchmark.PACKET_LENGTH;
    private static final int PAYLOAD_LENGTH = VxlanEncap.OVERHEAD + PACKET_LENGTH;
    private static final long OUR_MAC = MacAddress.parse("02:42:0a:f4:02:00").bits();
    private static final long PEER_MAC = MacAddress.parse("02:42:0a:f4:01:00").bits();

    private ByteBuf buf;
    private int payload;
    private final long[] dropCounters = new long[DecapDrop.values().length];

    @Setup(Level.Trial)
    public void frame() {
        buf = EncapBenchmark.innerPacket();
        int ip = VxlanEncap.HEADROOM;
        payload = VxlanEncap.encapsulate(buf, ip, 1, PEER_MAC, OUR_MAC);
        if (VxlanDecap.check(buf, payload, PAYLOAD_LENGTH, 1, OUR_MAC) != ip) {
            throw new IllegalStateException("the benchmark frame does not pass decap");
        }
    }

    @TearDown(Level.Trial)
    public void release() {
        buf.release();
    }

    @Benchmark
    public long accept() {
        int ip = VxlanDecap.check(buf, payload, PAYLOAD_LENGTH, 1, OUR_MAC);
        if (ip < 0) {
            dropCounters[DecapDrop.reason(ip).ordinal()]++;
            return ip;
        }
        return (long) Ipv4.dst(buf, ip) << 32 | Ip.packetLength(buf, ip);
    }

    @Benchmark
    public long rejectWrongVni() {
        int ip = VxlanDecap.check(buf, payload, PAYLOAD_LENGTH, 2, OUR_MAC);
        if (ip < 0) {
            return ++dropCounters[DecapDrop.reason(ip).ordinal()];
        }
        return ip;
    }
}
