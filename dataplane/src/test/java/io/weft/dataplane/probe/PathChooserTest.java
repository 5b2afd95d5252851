package io.weft.dataplane.probe;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hysteresis of the path choice, on the streaks alone: candidates 0 private, 1 public (the fallback), 2 a
 * last resort such as the TCP fallback will be.
 */
class PathChooserTest {
    private static final int PRIVATE = 0;
    private static final int PUBLIC = 1;
    private static final int LAST = 2;

    private final PathChooser chooser = new PathChooser(3, 3, 3);

    private int choose(int current, int[] answered, int[] lost) {
        return chooser.choose(current, PUBLIC, answered, lost);
    }

    @Test
    void aBetterPathIsTakenOnlyAfterItAnsweredThreeInARow() {
        assertThat(choose(PUBLIC, new int[] {2, 9, 0}, new int[] {0, 0, 0})).isEqualTo(PUBLIC);
        assertThat(choose(PUBLIC, new int[] {3, 9, 0}, new int[] {0, 0, 0})).isEqualTo(PRIVATE);
    }

    @Test
    void thePathInUseIsKeptThroughOneOrTwoLostProbes() {
        assertThat(choose(PRIVATE, new int[] {0, 9, 9}, new int[] {2, 0, 0})).isEqualTo(PRIVATE);
    }

    @Test
    void thePathInUseIsLeftAfterThreeLostForTheBestThatAnswers() {
        assertThat(choose(PRIVATE, new int[] {0, 9, 9}, new int[] {3, 0, 0})).isEqualTo(PUBLIC);
        assertThat(choose(PUBLIC, new int[] {0, 0, 5}, new int[] {3, 3, 0})).isEqualTo(LAST);
    }

    @Test
    void whenNothingAnswersThePublicPathIsUsedAsFlanneldWould() {
        assertThat(choose(LAST, new int[] {0, 0, 0}, new int[] {3, 3, 3})).isEqualTo(PUBLIC);
        assertThat(choose(PUBLIC, new int[] {0, 0, 0}, new int[] {3, 3, 3})).isEqualTo(PUBLIC);
    }

    @Test
    void fromTheLastResortUdpIsTakenBackWhenItAnswersAgain() {
        assertThat(choose(LAST, new int[] {0, 2, 9}, new int[] {9, 0, 0})).isEqualTo(LAST);
        assertThat(choose(LAST, new int[] {0, 3, 9}, new int[] {9, 0, 0})).isEqualTo(PUBLIC);
    }

    @Test
    void aPathThatFailedMustAnswerTwiceAsLongBeforeItIsTakenAgain() {
        assertThat(choose(PRIVATE, new int[] {0, 9, 0}, new int[] {3, 0, 0})).isEqualTo(PUBLIC);
        assertThat(chooser.required(PRIVATE)).isEqualTo(6);
        assertThat(choose(PUBLIC, new int[] {5, 9, 0}, new int[] {0, 0, 0})).isEqualTo(PUBLIC);
        assertThat(choose(PUBLIC, new int[] {6, 9, 0}, new int[] {0, 0, 0})).isEqualTo(PRIVATE);
        // It fails again: now twelve, and never more than eight times the base.
        assertThat(choose(PRIVATE, new int[] {0, 9, 0}, new int[] {3, 0, 0})).isEqualTo(PUBLIC);
        assertThat(chooser.required(PRIVATE)).isEqualTo(12);
        for (int i = 0; i < 5; i++) {
            choose(PRIVATE, new int[] {0, 9, 0}, new int[] {3, 0, 0});
        }
        assertThat(chooser.required(PRIVATE)).isEqualTo(24);
    }

    @Test
    void aPathThatCarriedThePeerLongEnoughIsTrustedAgainAtTheBaseStreak() {
        choose(PRIVATE, new int[] {0, 9, 0}, new int[] {3, 0, 0});
        assertThat(chooser.required(PRIVATE)).isEqualTo(6);
        assertThat(choose(PUBLIC, new int[] {6, 9, 0}, new int[] {0, 0, 0})).isEqualTo(PRIVATE);
        assertThat(choose(PRIVATE, new int[] {23, 9, 0}, new int[] {0, 0, 0})).isEqualTo(PRIVATE);
        assertThat(chooser.required(PRIVATE)).isEqualTo(6);
        assertThat(choose(PRIVATE, new int[] {24, 9, 0}, new int[] {0, 0, 0})).isEqualTo(PRIVATE);
        assertThat(chooser.required(PRIVATE)).isEqualTo(3);
    }
}
