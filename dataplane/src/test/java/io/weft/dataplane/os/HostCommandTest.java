package io.weft.dataplane.os;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runner's deadline against tools that never finish. The class timeout only turns a hang (what the old
 * read-to-the-end-then-wait runners did with these commands) into a failure; no test asserts how long anything took.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostCommandTest {
    private static final Duration SHORT = Duration.ofMillis(500);

    @TempDir
    Path dir;

    @Test
    void aCommandThatNeverExitsIsKilledAtTheDeadlineWithAMessageNamingIt() {
        HostCommand.Result r = HostCommand.run(List.of("sleep", "1000"), SHORT);

        assertThat(r.ok()).isFalse();
        assertThat(r.exitCode()).isEqualTo(HostCommand.DID_NOT_COMPLETE);
        assertThat(r.stderr()).contains("sleep 1000: timed out after 500 ms; killed it");
    }

    @Test
    void aChildHoldingThePipeIsKilledWithTheCommand() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        // The shell waits for its child; both hold stdout. Killing only the shell would leave the child holding it.
        List<String> command = List.of("sh", "-c", "sleep 1000 & echo $! > " + pidFile + "; wait");
        long child = -1;
        try {
            HostCommand.Result r = HostCommand.run(command, Duration.ofSeconds(2));
            child = Long.parseLong(Files.readString(pidFile).trim());

            assertThat(r.ok()).isFalse();
            assertThat(r.stderr()).contains(String.join(" ", command) + ": timed out after 2 s; killed it");
            assertThat(endsWithin(child, Duration.ofSeconds(10))).as("the child sleep %d was killed", child).isTrue();
        } finally {
            kill(child);
        }
    }

    @Test
    void aCommandThatWritesWithoutEndIsKilledAndWhatItWroteIsBounded() {
        HostCommand.Result r = HostCommand.run(List.of("yes", "weft"), SHORT);

        assertThat(r.ok()).isFalse();
        assertThat(r.stderr()).contains("yes weft: timed out after 500 ms; killed it");
        assertThat(r.stdout()).startsWith("weft\nweft\n");
        assertThat(r.stdout().length()).isLessThanOrEqualTo(16 << 20);
    }

    @Test
    void aProcessLeftHoldingTheOutputAfterTheCommandExitedDoesNotHoldTheCaller() throws Exception {
        Path pidFile = dir.resolve("orphan.pid");
        // The shell exits at once; the background sleep, no longer its child, keeps the pipes open. The JDK may close
        // its end of the pipes when the shell exits; if it does not in time, the deadline ends the wait.
        List<String> command = List.of("sh", "-c", "sleep 1000 & echo $! > " + pidFile + "; echo started; exit 4");
        try {
            HostCommand.Result r = HostCommand.run(command, SHORT);

            assertThat(r.exitCode()).isEqualTo(4);
            assertThat(r.stdout()).isEqualTo("started\n");
            assertThat(r.stderr()).isIn("", String.join(" ", command)
                    + ": exited, but a process it started still held its output open at the deadline\n");
        } finally {
            if (Files.exists(pidFile)) {
                kill(Long.parseLong(Files.readString(pidFile).trim()));
            }
        }
    }

    @Test
    void stdoutAndStderrAreKeptApartWithTheExitCode() {
        HostCommand.Result r = HostCommand.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(20));

        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
    }

    @Test
    void aToolThatIsNotInstalledIsAReadableFailure() {
        HostCommand.Result r = HostCommand.run(List.of("weft-no-such-tool", "x"));

        assertThat(r.exitCode()).isEqualTo(HostCommand.DID_NOT_COMPLETE);
        assertThat(r.stderr()).startsWith("weft-no-such-tool could not be run: ");
    }

    @Test
    void requireNamesWhatFailedAndQuotesTheToolsMessage() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        HostCommand.require(List.of("sh", "-c", "echo no such chain >&2; exit 1"), "flush WEFT-POSTRTG"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot flush WEFT-POSTRTG: sh -c echo no such chain >&2; exit 1: no such chain");
    }

    /** True once {@code pid} is gone or a zombie (killed, waiting for its new parent to reap it). */
    private static boolean endsWithin(long pid, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                if (state == 'Z' || state == 'X') {
                    return true;
                }
            } catch (IOException gone) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static void kill(long pid) {
        if (pid > 0) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
