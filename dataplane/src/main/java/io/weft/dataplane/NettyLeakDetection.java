package io.weft.dataplane;

import io.netty.util.ResourceLeakDetector;

/**
 * Turns Netty's buffer leak detector off for the data plane unless the JVM was started asking for a level.
 *
 * <p>At Netty's default level (SIMPLE) every 128th buffer allocation is tracked: a leak-aware wrapper, a weak
 * reference and a stack trace taken with {@code Throwable.fillInStackTrace}. weft allocates a pooled buffer per TUN
 * read (a super-packet's segments, or one packet), so a data plane at a few Gb/s took tens of stack traces a second
 * on its worker threads (0.2–0.35 % of all samples in {@code scripts/lab/profile}, the only heap allocation left on
 * the hot path). weft's buffer ownership is covered by its own tests instead; a run that wants the detector back
 * passes {@code -Dio.netty.leakDetection.level=simple} (or {@code paranoid}), which this leaves alone.
 */
final class NettyLeakDetection {
    /** The property Netty reads its level from (and its older spelling). */
    static final String PROPERTY = "io.netty.leakDetection.level";
    static final String OLD_PROPERTY = "io.netty.leakDetectionLevel";

    private NettyLeakDetection() {
    }

    /** Sets the level to DISABLED unless a level was asked for; true if it did. */
    static boolean offUnlessAsked() {
        if (System.getProperty(PROPERTY) != null || System.getProperty(OLD_PROPERTY) != null) {
            return false;
        }
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        return true;
    }
}
