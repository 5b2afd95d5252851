package io.weft.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;

/**
 * weft's data plane on one side of the rig: {@code io.weft.dataplane.lab.StaticDataPlaneMain} from weft.jar,
 * run in the side's namespace with one static peer (no etcd; the data plane is the same one the agent runs).
 */
final class WeftHost implements AutoCloseable {
    private static final String MAIN = "io.weft.dataplane.lab.StaticDataPlaneMain";
    private static final long START_SECONDS = 60;
    private static final long REPLY_SECONDS = 15;

    private final ServiceProcess process;

    private WeftHost(ServiceProcess process) {
        this.process = process;
    }

    static WeftHost start(Rig rig, OverlayHost self, OverlayHost peer, String device, TunnelSettings settings) {
        List<String> cmd = new ArrayList<>();
        cmd.add(settings.java());
        cmd.addAll(settings.weftJavaOptions());
        cmd.addAll(List.of("-cp", settings.weftJar().toString(), MAIN,
                "--device", device, "--subnet", self.subnet(), "--network", OverlayHost.NETWORK, "--mac", self.mac(),
                "--mtu", Integer.toString(OverlayHost.MTU), "--vni", Integer.toString(OverlayHost.VNI),
                "--port", Integer.toString(OverlayHost.PORT), "--peer", peer.peerArg()));
        if (settings.weftWorkers() > 0) {
            cmd.addAll(List.of("--workers", Integer.toString(settings.weftWorkers())));
        }
        ServiceProcess p = ServiceProcess.start(rig.ns(self.side()), "weft-" + self.side(), cmd);
        if (p.awaitLine("ready"::equals, START_SECONDS) == null) {
            String tail = p.tail();
            p.close();
            throw new BenchException("weft did not become ready in " + rig.ns(self.side()).name() + " within "
                    + START_SECONDS + " s (is " + settings.weftJar() + " built and current?): " + tail);
        }
        return new WeftHost(p);
    }

    ServiceProcess process() {
        return process;
    }

    /** The data plane's counters as one JSON line, or null if it does not answer. */
    String stats() {
        if (!process.send("stats")) {
            return null;
        }
        return process.awaitLine(l -> l.startsWith("{"), REPLY_SECONDS);
    }

    /** Asks it to quit (it undoes its link setup), then kills it if it does not. */
    @Override
    public void close() {
        if (process.alive() && process.send("quit")) {
            process.awaitExit(10);
        }
        process.close();
    }
}
