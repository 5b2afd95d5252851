package io.weft.benchmarks;

import io.weft.fdb.BackendData;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.Peer;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The per-packet table work of encap ({@code lookupV4}: inner destination → peer) and decap
 * ({@code peerByUnderlayV4}: outer source → known VTEP), for clusters of 10 to 10,000 hosts. Destinations are
 * precomputed random addresses inside peer subnets (or, for the miss case, inside the cluster network but in no
 * peer's subnet), visited in a fixed random order so that branch prediction and caches see a realistic spread.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TableLookup -prof gc -f 1 -wi 3 -i 3 -w 2s -r 2s}.
 * Expect gc.alloc.rate.norm ≈ 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TableLookupBenchmark {
    /** Cluster network 10.64.0.0/10 with /24 subnets: room for 16,383 peers after the local 10.64.0.0/24. */
    private static final int NETWORK = 0x0A40_0000;
    private static final int UNDERLAY = 0xAC10_0000;
    /** Power of two, larger than L1 so the table is read as a busy host would read it. */
    private static final int SAMPLES = 1 << 14;

    @Param({"10", "1000", "10000"})
    public int peers;

    private ForwardingTable table;
    private int[] hits;
    private int[] misses;
    private int[] senders;
    private int next;

    @Setup(Level.Trial)
    public void build() {
        List<Lease> leases = new ArrayList<>(peers);
        for (int i = 1; i <= peers; i++) {
            Inet4Address publicIp = (Inet4Address) Subnet.ofV4(UNDERLAY + i, 32).address();
            leases.add(new Lease(Subnet.ofV4(NETWORK + (i << 8), 24), publicIp, null, null, Lease.VXLAN,
                    new BackendData(1, MacAddress.of(0x0A00_0000_0000L + i)), null, null));
        }
        table = ForwardingTable.build(Subnet.ofV4(NETWORK, 24), leases, 8472);

        SplittableRandom random = new SplittableRandom(42);
        hits = new int[SAMPLES];
        misses = new int[SAMPLES];
        senders = new int[SAMPLES];
        for (int k = 0; k < SAMPLES; k++) {
            int peer = 1 + random.nextInt(peers);
            hits[k] = NETWORK + (peer << 8) + random.nextInt(256);
            misses[k] = NETWORK + ((peers + 1 + random.nextInt(16_383 - peers)) << 8) + random.nextInt(256);
            senders[k] = UNDERLAY + peer;
        }
        for (int k = 0; k < SAMPLES; k++) {
            if (table.lookupV4(hits[k]) == null || table.lookupV4(misses[k]) != null
                    || table.peerByUnderlayV4(senders[k]) == null) {
                throw new IllegalStateException("benchmark data does not match the table at sample " + k);
            }
        }
    }

    private int nextIndex() {
        int k = next;
        next = (k + 1) & (SAMPLES - 1);
        return k;
    }

    @Benchmark
    public Peer lookupV4Hit() {
        return table.lookupV4(hits[nextIndex()]);
    }

    @Benchmark
    public Peer lookupV4Miss() {
        return table.lookupV4(misses[nextIndex()]);
    }

    @Benchmark
    public Peer peerByUnderlayV4() {
        return table.peerByUnderlayV4(senders[nextIndex()]);
    }
}
