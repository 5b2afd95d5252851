package io.weft.dataplane.cli;

import io.weft.dataplane.agent.Agent;
import io.weft.dataplane.socket.BusyPoll;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code weft run}: the host agent, in place of flanneld. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the host agent: lease a subnet in etcd, bring up the TUN and the VXLAN data plane,",
                "follow the other hosts' leases, write subnet.env for the flannel CNI plugin.",
                "flanneld's flags work with one or two dashes and as FLANNELD_<FLAG> environment variables."})
public final class RunCommand implements Callable<Integer> {
    /** slf4j-simple reads its level once, when the first logger is made; {@link #call()} sets it before that. */
    static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    @Mixin
    RunOptions options;

    @Spec
    CommandSpec spec;

    public RunOptions options() {
        return options;
    }

    @Override
    public Integer call() throws Exception {
        if (options.logging.verbosity > 0 && System.getProperty(LOG_LEVEL_PROPERTY) == null) {
            System.setProperty(LOG_LEVEL_PROPERTY, "debug");
        }
        if (spec.defaultValueProvider() instanceof FlanneldFlags.EnvironmentDefaults env) {
            env.warnings().forEach(w -> LoggerFactory.getLogger(RunCommand.class).warn(w));
        }
        if (options.busyPollMicros != 0) {
            // read by every worker as it binds its socket (BusyPoll), as the other socket switches are
            int busyPoll = BusyPoll.checked(Integer.toString(options.busyPollMicros));
            System.setProperty(BusyPoll.PROPERTY, Integer.toString(busyPoll));
        }
        return new Agent(options.toSettings()).runUntilStopped();
    }
}
