package io.weft.dataplane.capture;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What to capture.
 *
 * @param file        the pcap file to write (the agent writes it, as root)
 * @param inner       true: the inner Ethernet frames (what the pods sent); false: the outer packets, rebuilt as
 *                    Ethernet + IPv4 + UDP + VXLAN as they are on the underlay
 * @param peerAddress only packets to or from this peer's underlay address (IPv4 as int), or 0 for all peers
 * @param duration    stop after this long
 * @param count       stop after this many packets, or 0 for no limit
 */
public record CaptureRequest(Path file, boolean inner, int peerAddress, Duration duration, long count) {
    public static final Duration MAX_DURATION = Duration.ofHours(1);

    public CaptureRequest {
        if (!file.isAbsolute()) {
            throw new IllegalArgumentException("the capture file must be an absolute path (the agent writes it): " + file);
        }
        if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("capture duration must be 1 s .. 1 h, got " + duration.toSeconds() + " s");
        }
        if (count < 0) {
            throw new IllegalArgumentException("packet count must be positive (or 0 for no limit)");
        }
    }
}
