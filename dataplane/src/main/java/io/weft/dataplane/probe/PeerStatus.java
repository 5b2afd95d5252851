package io.weft.dataplane.probe;

/**
 * What the probes know about one peer.
 *
 * @param state          {@code reachable}, {@code unreachable}, or {@code unknown} (too early to tell)
 * @param rttMillis      round-trip time of the last answered probe, or null if none was answered
 * @param lossPercent    lost probes among the last settled ones (at most {@link ProbeSettings#window()}), or null
 * @param sent           probes sent since the peer appeared
 * @param answered       probes answered since the peer appeared
 * @param lastReplyAgoSeconds seconds since the last answer, or null if never
 */
public record PeerStatus(Target target, String state, Double rttMillis, Integer lossPercent, long sent, long answered,
                         Long lastReplyAgoSeconds) {
    public static final String REACHABLE = "reachable";
    public static final String UNREACHABLE = "unreachable";
    public static final String UNKNOWN = "unknown";
}
