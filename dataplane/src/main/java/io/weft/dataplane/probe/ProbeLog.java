package io.weft.dataplane.probe;

import java.util.List;
import java.util.function.Consumer;

/**
 * Where the prober reports what changed in one round: the peers that stopped answering and the ones that answer
 * again, each round's news in one call, so that a sink can say it in one line however many peers it concerns.
 */
public interface ProbeLog {
    /** A peer that has just become unreachable, with the full warning naming the likely causes. */
    record Outage(Target target, String warning) {
    }

    /** The peers that stopped answering in this round; never empty. */
    void unreachable(List<Outage> outages);

    /** "answers again" lines for the peers that recovered since the last call; never empty. */
    void answering(List<String> notices);

    /** The probes themselves failed (a bug or a broken injector). */
    void problem(String message);

    /** A peer's frames now take another path; one line per switch, said once. */
    default void pathChanged(String line) {
    }

    /** One line per peer, as the prober always logged: for tests, and a handful of peers. */
    static ProbeLog perPeer(Consumer<String> warnings, Consumer<String> notices) {
        return new ProbeLog() {
            @Override
            public void unreachable(List<Outage> outages) {
                outages.forEach(o -> warnings.accept(o.warning()));
            }

            @Override
            public void answering(List<String> lines) {
                lines.forEach(notices);
            }

            @Override
            public void problem(String message) {
                warnings.accept(message);
            }

            @Override
            public void pathChanged(String line) {
                notices.accept(line);
            }
        };
    }
}
