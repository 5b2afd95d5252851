package io.weft.dataplane.cli;

import io.weft.dataplane.agent.Agent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code weft run}: the host agent, in place of flanneld. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the host agent: lease a subnet in etcd, bring up the TUN and the VXLAN data plane,",
                "follow the other hosts' leases, write subnet.env for the flannel CNI plugin.",
                "flanneld's flags work with one or two dashes and as FLANNELD_<FLAG> environment variables."})
public final class RunCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;

    public RunOptions options() {
        return options;
    }

    @Override
    public Integer call() throws Exception {
        return new Agent(options.toSettings()).runUntilStopped();
    }
}
