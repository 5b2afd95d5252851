package io.weft.dataplane.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Warns in the journal when the kernel drops UDP datagrams for a bad checksum ({@link UdpChecksumErrors}) while weft
 * runs: those frames never reach weft, so no drop counter of ours can show them, and the symptom (ping works, TCP to a
 * kernel peer's pods does not) points everywhere but at the sending host. Checked every {@link #PERIOD_SECONDS};
 * at most one line every {@link #QUIET_NANOS}, counting everything dropped since the last one.
 */
final class ChecksumErrorWatch implements AutoCloseable {
    static final long PERIOD_SECONDS = 5;
    static final long QUIET_NANOS = TimeUnit.MINUTES.toNanos(5);
    private static final Logger log = LoggerFactory.getLogger(ChecksumErrorWatch.class);

    private final Supplier<OptionalLong> counter;
    private final Consumer<String> warnings;
    private final int vni;
    private ScheduledExecutorService timer;
    private long seen;
    private long unreported;
    private long lastWarning;
    private boolean warned;

    ChecksumErrorWatch(Supplier<OptionalLong> counter, Consumer<String> warnings, int vni) {
        this.counter = counter;
        this.warnings = warnings;
        this.vni = vni;
        seen = counter.get().orElse(-1); // what was dropped before we started is doctor's to report
    }

    /** Starts watching this namespace's counter on its own daemon thread. */
    static ChecksumErrorWatch start(int vni) {
        ChecksumErrorWatch w = new ChecksumErrorWatch(() -> UdpChecksumErrors.read(UdpChecksumErrors.SNMP), log::warn, vni);
        w.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weft-csum-watch");
            t.setDaemon(true);
            return t;
        });
        w.timer.scheduleWithFixedDelay(() -> w.check(System.nanoTime()), PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
        return w;
    }

    /** One look at the counter at time {@code now} (nanoTime); warns if it rose and the last warning is old enough. */
    void check(long now) {
        OptionalLong c = counter.get();
        if (c.isEmpty()) {
            return;
        }
        long value = c.getAsLong();
        if (seen >= 0 && value > seen) {
            unreported += value - seen;
        }
        seen = value;
        if (unreported > 0 && (!warned || now - lastWarning >= QUIET_NANOS)) {
            warnings.accept("the kernel dropped " + unreported + " UDP datagram(s) with a bad UDP checksum"
                    + (warned ? " since the last report" : " since weft started") + " (Udp InCsumErrors in /proc/net/snmp),"
                    + " before weft could see them. " + UdpChecksumErrors.meaning() + ". Fix: " + UdpChecksumErrors.fix(vni));
            unreported = 0;
            lastWarning = now;
            warned = true;
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
