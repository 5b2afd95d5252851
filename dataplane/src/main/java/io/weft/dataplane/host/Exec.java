package io.weft.dataplane.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host tool (iptables, ip) with a bounded wait and captures its output. */
public final class Exec {
    private static final long TIMEOUT_SECONDS = 20;

    private Exec() {
    }

    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    public static Result run(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            // stderr is drained on its own thread so that neither pipe can fill up and stall the tool.
            java.util.concurrent.CompletableFuture<byte[]> errFuture = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (InputStream e = p.getErrorStream()) {
                    return e.readAllBytes();
                } catch (IOException ex) {
                    return new byte[0];
                }
            });
            byte[] out;
            try (InputStream o = p.getInputStream()) {
                out = o.readAllBytes();
            }
            byte[] err = errFuture.join();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "", String.join(" ", command) + ": timed out after " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, "", command.get(0) + " could not be run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", "interrupted");
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
}
