package io.weft.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.weft.vtep.Checksum;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.VxlanEncap;
import io.weft.vtep.offload.GroBatch;
import io.weft.vtep.offload.OnesSum;
import io.weft.vtep.offload.PartialChecksum;
import io.weft.vtep.offload.TsoSplit;
import io.weft.vtep.offload.VirtioNetHdr;
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
 * The offload work per 64 KB TSO super-packet (IPv4/TCP with timestamps, MSS 1398, 47 segments): {@code split}
 * cuts it into VXLAN-ready segments (copy + per-segment headers + full TCP checksum), {@code merge} takes the 47
 * received segments back into one GSO packet (checksum verification of every segment, header rewrite; no copy),
 * {@code mergeCovered} the same without the verification (a weft peer's frames), {@code onesSum64k} is the
 * checksum loop alone. Divide by 47 for the cost per wire packet.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar Offload -prof gc -f 1 -wi 3 -i 3 -w 2s -r 2s}.
 * Expect gc.alloc.rate.norm ≈ 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OffloadBenchmark {
    static final int MSS = 1398;
    static final int OPTIONS = 12;
    static final int LENGTH = 65535;
    static final int PREFIX = VxlanEncap.OVERHEAD;

    private ByteBuf in;
    private ByteBuf out;
    private ByteBuf segments;
    private ByteBuf pristineHead;
    private int segmentCount;
    private int stride;
    private int total;
    private long sunk;
    private GroBatch gro;

    @Setup(Level.Trial)
    public void packets() {
        int ip = VxlanEncap.HEADROOM;
        in = PooledByteBufAllocator.DEFAULT.directBuffer(ip + LENGTH);
        Ipv4.write(in, ip, 0, LENGTH, 1, Ipv4.FLAG_DF, 64, Ip.PROTO_TCP, Ipv4.parse("10.244.1.5"), Ipv4.parse("10.244.2.7"));
        int tcp = ip + 20;
        in.setInt(tcp, 40000 << 16 | 5201);
        in.setInt(tcp + 4, 1000);
        in.setInt(tcp + 8, 77);
        in.setShort(tcp + 12, ((20 + OPTIONS) / 4) << 12 | 0x10);
        in.setShort(tcp + 14, 502);
        in.setInt(tcp + 16, 0);
        for (int i = tcp + 20; i < ip + LENGTH; i++) {
            in.setByte(i, i * 31);
        }
        in.setShort(tcp + 16, OnesSum.fold(Checksum.pseudoHeaderV4(Ipv4.parse("10.244.1.5"), Ipv4.parse("10.244.2.7"),
                Ip.PROTO_TCP, LENGTH - 20)));
        VxlanEncap.encapsulate(in, ip, 1, 0x02420af40100L, 0x02420af40200L);
        int header = 20 + 20 + OPTIONS;
        total = TsoSplit.outputLength(LENGTH, header, MSS, PREFIX);
        out = PooledByteBufAllocator.DEFAULT.directBuffer(total);
        segments = PooledByteBufAllocator.DEFAULT.directBuffer(total);
        segmentCount = TsoSplit.split(in, ip, LENGTH, VirtioNetHdr.GSO_TCPV4, MSS, PREFIX, segments, 0);
        stride = PREFIX + header + MSS;
        pristineHead = PooledByteBufAllocator.DEFAULT.directBuffer(stride);
        pristineHead.writeBytes(segments, 0, PREFIX + header);
        gro = new GroBatch((bufs, indexes, lengths, count) -> sunk += lengths[0] + count);
    }

    @TearDown(Level.Trial)
    public void release() {
        in.release();
        out.release();
        segments.release();
        pristineHead.release();
    }

    @Benchmark
    public int split() {
        return TsoSplit.split(in, VxlanEncap.HEADROOM, LENGTH, VirtioNetHdr.GSO_TCPV4, MSS, PREFIX, out, 0);
    }

    @Benchmark
    public long merge() {
        // The merge rewrote the first segment's headers last time: put them back.
        segments.setBytes(0, pristineHead, 0, pristineHead.readableBytes());
        for (int i = 0; i < segmentCount; i++) {
            int at = i * stride;
            gro.offer(segments, at + PREFIX, Math.min(stride, total - at) - PREFIX);
        }
        gro.flush();
        return sunk;
    }

    /**
     * {@link #merge} as for a weft peer's frames, whose outer UDP checksum covers them: each segment is classified
     * by {@link PartialChecksum#classifyCovered} (no payload sum) instead of verified.
     */
    @Benchmark
    public long mergeCovered() {
        segments.setBytes(0, pristineHead, 0, pristineHead.readableBytes());
        for (int i = 0; i < segmentCount; i++) {
            int at = i * stride;
            int length = Math.min(stride, total - at) - PREFIX;
            gro.offer(segments, at + PREFIX, length, PartialChecksum.classifyCovered(segments, at + PREFIX, length));
        }
        gro.flush();
        return sunk;
    }

    @Benchmark
    public long onesSum64k() {
        return OnesSum.sum(in, VxlanEncap.HEADROOM, LENGTH);
    }
}
