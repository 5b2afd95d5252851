package io.weft.dataplane.os;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host tool ({@code ip}, {@code iptables}, {@code nft}) to completion or to its deadline, whichever comes
 * first. The deadline holds whatever the tool does: one that hangs, one that writes without end, and one whose child
 * keeps the output pipe open are all killed (with every process below them) when it passes, and the caller gets a
 * failed {@link Result} whose stderr names the command. Standard output and standard error are read apart, so a
 * caller parses stdout and quotes stderr in its message.
 *
 * <p>Why not {@code readAllBytes()} then {@code waitFor(timeout)}: reading to the end returns only when every writer
 * of the pipe has closed it, so a hung tool blocks the caller forever before the timeout is ever looked at. Here both
 * pipes are drained on their own threads and the caller only ever waits with the deadline.
 */
public final class HostCommand {
    /** Long enough for {@code iptables -w 5} waiting on the xtables lock, short enough that start-up fails visibly. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(20);

    private HostCommand() {
    }

    /**
     * What a command left: its exit code and its two outputs. A command that could not be started or did not finish
     * by its deadline has exit code {@value #DID_NOT_COMPLETE}, with the reason in {@code stderr}.
     */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** The exit code of a {@link Result} whose command could not be started or was killed at its deadline. */
    public static final int DID_NOT_COMPLETE = -1;

    /** Runs {@code command} with the {@link #DEFAULT_DEADLINE}. */
    public static Result run(List<String> command) {
        return run(command, DEFAULT_DEADLINE);
    }

    /** Runs {@code command} with no input; kills it and everything it started if it is not done within {@code deadline}. */
    public static Result run(List<String> command, Duration deadline) {
        String name = String.join(" ", command);
        long end = System.nanoTime() + deadline.toNanos();
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            return new Result(DID_NOT_COMPLETE, "", command.get(0) + " could not be run: " + e.getMessage());
        }
        PipeDrain out = PipeDrain.start(p.getInputStream(), name + " (stdout)");
        PipeDrain err = PipeDrain.start(p.getErrorStream(), name + " (stderr)");
        try {
            if (!p.waitFor(remaining(end), TimeUnit.NANOSECONDS)) {
                killTree(p);
                String before = err.text();
                return new Result(DID_NOT_COMPLETE, out.text(), (before.isEmpty() || before.endsWith("\n") ? before : before + "\n")
                        + name + ": timed out after " + seconds(deadline) + "; killed it");
            }
            // The tool has exited, and everything it wrote is in the pipes. A process it left behind may still hold
            // them open, so their ends are awaited only until the deadline; then the answer is what was read.
            boolean ended = out.awaitEnd(remaining(end)) && err.awaitEnd(remaining(end));
            return new Result(p.exitValue(), out.text(), err.text() + out.cutNote(name) + (ended ? ""
                    : name + ": exited, but a process it started still held its output open at the deadline\n"));
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            return new Result(DID_NOT_COMPLETE, out.text(), err.text() + name + ": interrupted; killed it");
        }
    }

    /** Runs the command and throws a readable error naming {@code what} and the tool's message if it fails. */
    public static Result require(List<String> command, String what) {
        Result r = run(command);
        if (!r.ok()) {
            throw new IllegalStateException("cannot " + what + ": " + String.join(" ", command) + ": " + r.stderr().trim());
        }
        return r;
    }

    /** Kills the tool and every process below it, children first seen while the tool still holds them as its own. */
    private static void killTree(Process p) {
        List<ProcessHandle> below = p.descendants().toList();
        p.destroyForcibly();
        below.forEach(ProcessHandle::destroyForcibly);
        try {
            p.waitFor(1, TimeUnit.SECONDS); // reap it; SIGKILL is not refused, so this does not wait in practice
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long remaining(long end) {
        return Math.max(0, end - System.nanoTime());
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /**
     * Reads one of the tool's pipes to its end on a daemon thread, keeping the first {@link #KEPT_BYTES} and
     * discarding the rest, so that neither pipe fills and stalls the tool and an endless writer costs no memory.
     */
    private static final class PipeDrain implements Runnable {
        /** More than any {@code ip -d -j link show} or {@code iptables-save} of a real host prints. */
        static final int KEPT_BYTES = 16 << 20;

        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final CountDownLatch ended = new CountDownLatch(1);
        private boolean cut;

        private PipeDrain(InputStream in) {
            this.in = in;
        }

        static PipeDrain start(InputStream in, String name) {
            PipeDrain d = new PipeDrain(in);
            Thread t = new Thread(d, "weft-host-command: " + name);
            t.setDaemon(true); // one left blocked by a process that outlived its deadline must not hold the JVM
            t.start();
            return d;
        }

        @Override
        public void run() {
            byte[] chunk = new byte[8192];
            try (in) {
                for (int n; (n = in.read(chunk)) > 0; ) {
                    synchronized (this) {
                        int keep = Math.min(n, KEPT_BYTES - kept.size());
                        kept.write(chunk, 0, keep);
                        cut |= keep < n;
                    }
                }
            } catch (IOException e) {
                // the pipe broke: what was read so far is all there is
            } finally {
                ended.countDown();
            }
        }

        boolean awaitEnd(long nanos) throws InterruptedException {
            return ended.await(nanos, TimeUnit.NANOSECONDS);
        }

        synchronized String text() {
            return kept.toString(StandardCharsets.UTF_8);
        }

        /** A note for stderr when the output was longer than what is kept, or "". */
        synchronized String cutNote(String name) {
            return cut ? name + ": output cut after " + KEPT_BYTES + " bytes\n" : "";
        }
    }
}
