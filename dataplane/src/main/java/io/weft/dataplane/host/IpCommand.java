package io.weft.dataplane.host;

import io.weft.dataplane.DataPlaneException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs iproute2's {@code ip} with a bounded wait and turns a failure into a readable error. */
public final class IpCommand {
    private static final long TIMEOUT_SECONDS = 10;

    private IpCommand() {
    }

    /** Runs {@code ip <args>}; returns stdout. Throws {@link DataPlaneException} quoting the command and ip's message. */
    public static String run(String... args) {
        List<String> cmd = new ArrayList<>(args.length + 1);
        cmd.add("ip");
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new DataPlaneException("cannot run '" + String.join(" ", cmd) + "': " + e.getMessage()
                    + "; install iproute2");
        }
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new DataPlaneException("'" + String.join(" ", cmd) + "' did not finish within " + TIMEOUT_SECONDS + " s");
            }
            String text = new String(out, StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0) {
                throw new DataPlaneException("'" + String.join(" ", cmd) + "' failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new DataPlaneException("'" + String.join(" ", cmd) + "' failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new DataPlaneException("interrupted while running '" + String.join(" ", cmd) + "'");
        }
    }

    /** Like {@link #run} but ignores failure: for undo steps whose target may already be gone. */
    public static boolean tryRun(String... args) {
        try {
            run(args);
            return true;
        } catch (DataPlaneException e) {
            return false;
        }
    }
}
