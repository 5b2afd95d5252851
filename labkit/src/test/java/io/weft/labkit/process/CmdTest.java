package io.weft.labkit.process;

import io.weft.labkit.LabException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lab's process runner, with ordinary commands (no root). */
class CmdTest {
    @Test
    void keepsStdoutAndStderrApartAndTogetherWithTheBytesAsPrinted() {
        Cmd.Result r = Cmd.run(10, "sh", "-c", "printf 'out\\n'; sleep 0.2; printf 'err\\n' >&2; sleep 0.2; printf 'no newline'");
        assertThat(r.ok()).isTrue();
        assertThat(r.stdout()).isEqualTo("out\nno newline");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.output()).isEqualTo("out\nerr\nno newline");
    }

    @Test
    void aCommandThatDoesNotFinishIsKilledAtItsLimitAndNamedWhenRequired() {
        long start = System.nanoTime();
        Cmd.Result r = Cmd.run(1, "sleep", "30");
        assertThat(r.timedOut()).isTrue();
        assertThat(r.ok()).isFalse();
        assertThat(System.nanoTime() - start).as("killed, not waited for").isLessThan(20_000_000_000L);
        assertThatThrownBy(r::requireOk).isInstanceOf(LabException.class)
                .hasMessageContaining("'sleep 30' failed").hasMessageContaining("killed at its time limit");
    }

    @Test
    void aFailingCommandIsNamedWithItsExitAndOutput() {
        Cmd.Result r = Cmd.run(10, "sh", "-c", "echo 'no such thing' >&2; exit 3");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThatThrownBy(r::requireOk).hasMessageContaining("(exit 3)").hasMessageContaining("no such thing");
    }

    @Test
    void aMissingProgramIsAResultNotAnException() {
        Cmd.Result r = Cmd.run(10, "/nonexistent/weft-labkit-test");
        assertThat(r.ok()).isFalse();
        assertThat(r.output()).contains("cannot start /nonexistent/weft-labkit-test");
    }

    @Test
    void aServiceAnswersLineByLineAndIsKilledOnClose() {
        try (Cmd cat = Cmd.start("cat", List.of("cat"))) {
            assertThat(cat.send("hello")).isTrue();
            assertThat(cat.awaitLine("hello"::equals, 10)).isEqualTo("hello");
            assertThat(cat.awaitLine(l -> true, 1)).as("nothing more was said").isNull();
            cat.close();
            assertThat(cat.alive()).isFalse();
            assertThat(cat.send("gone")).isFalse();
            assertThat(cat.output()).isEqualTo("hello\n");
        }
    }
}
