package io.weft.dataplane.probe;

/**
 * Which of a peer's paths to use, from how each candidate's probes went; candidates are in order of preference
 * (private, then public; a TCP fallback, once there is one, last). Pure arithmetic over the probe streaks, so the
 * hysteresis is tested without a clock:
 * <ul>
 *   <li>a better candidate than the one in use is taken once it answered {@code upAfter} probes in a row;</li>
 *   <li>the one in use is left only when it lost {@code downAfter} in a row, for the best candidate answering
 *   {@code upAfter} in a row, else the fallback (the public UDP path, as flanneld sends);</li>
 *   <li>a candidate left because it stopped answering must answer twice as long before it is taken again (up to
 *   eight times), so a path that comes and goes does not make the peer flap; once it has carried the peer through
 *   {@code 8 × upAfter} answered probes in a row, it is trusted again at {@code upAfter}.</li>
 * </ul>
 * Used under the prober's lock.
 */
final class PathChooser {
    private static final int MAX_PENALTY = 8;

    private final int upAfter;
    private final int downAfter;
    private final int[] penalty;

    PathChooser(int candidates, int upAfter, int downAfter) {
        if (upAfter < 1 || downAfter < 1) {
            throw new IllegalArgumentException("upAfter and downAfter must be at least 1");
        }
        this.upAfter = upAfter;
        this.downAfter = downAfter;
        this.penalty = new int[candidates];
        java.util.Arrays.fill(penalty, 1);
    }

    /**
     * @param current   the index in use
     * @param fallback  the index to use when nothing answers
     * @param answered  per candidate, probes answered in a row (0 after a loss)
     * @param lost      per candidate, probes lost in a row (0 after an answer)
     * @return the index to use from now on (== current: no switch)
     */
    int choose(int current, int fallback, int[] answered, int[] lost) {
        for (int i = 0; i < current; i++) {
            if (up(i, answered)) {
                return i;
            }
        }
        if (lost[current] < downAfter) {
            if (answered[current] >= upAfter * MAX_PENALTY) {
                penalty[current] = 1;
            }
            return current;
        }
        penalty[current] = Math.min(MAX_PENALTY, penalty[current] * 2);
        for (int i = 0; i < answered.length; i++) {
            if (i != current && up(i, answered)) {
                return i;
            }
        }
        return fallback;
    }

    /** How many answers in a row candidate {@code i} needs now before it is taken. */
    int required(int i) {
        return upAfter * penalty[i];
    }

    private boolean up(int i, int[] answered) {
        return answered[i] >= required(i);
    }
}
