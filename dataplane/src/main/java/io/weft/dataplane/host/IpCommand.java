package io.weft.dataplane.host;

import io.weft.dataplane.DataPlaneException;
import io.weft.dataplane.os.HostCommand;

import java.util.ArrayList;
import java.util.List;

/** Runs iproute2's {@code ip} and turns a failure into a readable error. */
public final class IpCommand {
    private IpCommand() {
    }

    /** Runs {@code ip <args>}; returns stdout. Throws {@link DataPlaneException} quoting the command and ip's message. */
    public static String run(String... args) {
        List<String> cmd = prepend(args);
        HostCommand.Result r = HostCommand.run(cmd);
        if (!r.ok()) {
            String why = (r.stderr() + r.stdout()).trim();
            throw new DataPlaneException("'" + String.join(" ", cmd) + "' failed: "
                    + (r.exitCode() == -1 && why.contains("could not be run") ? why + "; install iproute2" : why));
        }
        return r.stdout().trim();
    }

    /** Like {@link #run} but ignores failure: for undo steps whose target may already be gone. */
    public static boolean tryRun(String... args) {
        return HostCommand.run(prepend(args)).ok();
    }

    private static List<String> prepend(String... args) {
        List<String> cmd = new ArrayList<>(args.length + 1);
        cmd.add("ip");
        cmd.addAll(List.of(args));
        return cmd;
    }
}
