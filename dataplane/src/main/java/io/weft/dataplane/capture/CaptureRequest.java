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
 * @param peerV6Hi    with {@code peerV6Lo}: the peer's PublicIPv6, whose IPv6 underlay packets are captured too;
 *                    both 0 for none (a peer filter then leaves the IPv6 underlay out)
 */
public record CaptureRequest(Path file, boolean inner, int peerAddress, Duration duration, long count, long peerV6Hi,
                             long peerV6Lo) {
    public static final Duration MAX_DURATION = Duration.ofHours(1);

    /** Every peer's packets, or one IPv4 peer's ({@code peerAddress}, 0 for all). */
    public CaptureRequest(Path file, boolean inner, int peerAddress, Duration duration, long count) {
        this(file, inner, peerAddress, duration, count, 0, 0);
    }

    /** True if only one peer's packets are wanted. */
    public boolean onePeer() {
        return peerAddress != 0 || peerV6Hi != 0 || peerV6Lo != 0;
    }

    /** True if a packet of the IPv4 underlay to or from {@code remote} is wanted. */
    boolean wantsV4(int remote) {
        return !onePeer() || (peerAddress != 0 && remote == peerAddress);
    }

    /** True if a packet of the IPv6 underlay to or from {@code remoteHi:remoteLo} is wanted. */
    boolean wantsV6(long remoteHi, long remoteLo) {
        return !onePeer() || ((peerV6Hi != 0 || peerV6Lo != 0) && remoteHi == peerV6Hi && remoteLo == peerV6Lo);
    }

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
