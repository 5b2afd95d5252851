package io.weft.dataplane.cli;

import io.weft.dataplane.agent.HostCleanup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code weft cleanup}: removes the host setup a stopped agent leaves for its next run, for uninstalling weft. */
@Command(name = "cleanup", mixinStandardHelpOptions = true,
        description = {"Remove everything weft set up on this host: the TUN device with its address and route, the",
                "blackhole route, flannel's iptables chains (FLANNEL-POSTRTG, FLANNEL-FWD) and weft's",
                "--node-ip-dnat chains with their jumps, flannel's nftables tables and every table named weft*,",
                "and the run dir with the control socket. A stop leaves all of it in place so that a restart",
                "keeps forwarding; run this after stopping weft for good. Running it again finds nothing.",
                "The lease stays in etcd until it expires."})
public final class CleanupCommand implements Callable<Integer> {
    @Option(names = {"--run-dir", "-run-dir"}, descriptionKey = "weft", defaultValue = "/run/weft",
            description = "the agent's run dir (default: ${DEFAULT-VALUE})")
    Path runDir;

    @Option(names = {"--device", "-device"}, descriptionKey = "weft", paramLabel = "NAME",
            description = "a TUN device name given to 'weft run --device' (weft.* devices are always removed)")
    String device;

    @Option(names = {"-subnet-file", "--subnet-file"}, defaultValue = "/run/flannel/subnet.env",
            description = "subnet.env, naming the blackhole route's subnet when the run dir is gone (default: ${DEFAULT-VALUE})")
    Path subnetFile;

    @Option(names = "--force", description = "clean up even while an agent answers on the run dir's control socket")
    boolean force;

    @Override
    public Integer call() {
        HostCleanup cleanup = new HostCleanup(runDir, device, subnetFile);
        if (!force && cleanup.agentRunning()) {
            System.err.println("weft: an agent is running (it answers on " + runDir.resolve("weft.sock")
                    + "); stop it first (systemctl stop weft), or pass --force to remove its setup under it");
            return 1;
        }
        List<String> removed = cleanup.run();
        if (removed.isEmpty()) {
            System.out.println("nothing to remove: no host setup of weft found");
        }
        removed.forEach(r -> System.out.println("removed " + r));
        return 0;
    }
}
