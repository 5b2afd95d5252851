package io.weft.fdb.registry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one log line per topic through per interval, so a repeating condition (etcd down, a bad lease value) is
 * reported without flooding the journal (flannel's watch once logged ~7.7 GB a day, flannel-io/flannel#2470).
 */
public final class LogLimiter {
    private final long intervalNanos;
    private final ConcurrentHashMap<String, AtomicLong> lastByTopic = new ConcurrentHashMap<>();

    public LogLimiter(java.time.Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** True if a line about {@code topic} may be logged now; the first call per topic is always true. */
    public boolean allow(String topic) {
        long now = System.nanoTime();
        AtomicLong last = lastByTopic.computeIfAbsent(topic, t -> new AtomicLong(now - intervalNanos));
        long prev = last.get();
        return now - prev >= intervalNanos && last.compareAndSet(prev, now);
    }

    /** Forgets a topic, so that the next occurrence is reported at once (e.g. after recovery). */
    public void reset(String topic) {
        lastByTopic.remove(topic);
    }
}
