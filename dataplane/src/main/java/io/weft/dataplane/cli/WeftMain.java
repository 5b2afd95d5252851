package io.weft.dataplane.cli;

import io.weft.dataplane.agent.EarlyStart;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.Map;

/** Entry point of {@code weft.jar}: {@code weft run} (the agent) and the commands that read a running agent. */
@Command(name = "weft", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A user-space VXLAN data plane that is a drop-in replacement for flannel's vxlan backend.",
        subcommands = {
                RunCommand.class,
                ShowCommands.Fdb.class,
                ShowCommands.Neigh.class,
                ShowCommands.Routes.class,
                ShowCommands.Peers.class,
                ShowCommands.Stats.class,
                DoctorCommand.class,
                CaptureCommand.class,
                CleanupCommand.class,
                CommandLine.HelpCommand.class})
public final class WeftMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Netty 4.2 registers its buffer allocation events with the JDK's flight recorder when its allocator loads, which
     * took half a second of a restart (the time the pods' traffic waits for the next agent); weft turns that off
     * unless the JVM options ask for it ({@code -Dio.netty.jfr.enabled=true} in WEFT_JAVA_OPTS).
     */
    static final String NETTY_JFR_PROPERTY = "io.netty.jfr.enabled";
    /**
     * JNA lists the system's library directories when it first loads a library, by running {@code ldconfig -p} unless
     * this property already names them: a child process on the start path of a restart, before the TUN is attached.
     * weft finds libc without the list; the directories given are those of Debian's multiarch layout and the classic
     * ones (for a library another part of the JVM asks JNA for by name).
     */
    static final String JNA_LIBRARY_PATH_PROPERTY = "jna.platform.library.path";
    static final String JNA_LIBRARY_PATH = "/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:/usr/lib64:/lib64:/usr/lib:/lib";

    public static void main(String[] args) {
        if (System.getProperty(NETTY_JFR_PROPERTY) == null) {
            System.setProperty(NETTY_JFR_PROPERTY, "false");
        }
        EarlyRunArgs run = EarlyRunArgs.of(args, System.getenv());
        if (run != null) {
            if (System.getProperty(JNA_LIBRARY_PATH_PROPERTY) == null) {
                System.setProperty(JNA_LIBRARY_PATH_PROPERTY, JNA_LIBRARY_PATH);
            }
            // A restart forwards again before the command tree is built and parsed (the slowest part of a start).
            if (run.debug() && System.getProperty(RunCommand.LOG_LEVEL_PROPERTY) == null) {
                System.setProperty(RunCommand.LOG_LEVEL_PROPERTY, "debug");
            }
            EarlyStart.begin(run.runDir());
        }
        System.exit(execute(args, System.getenv()));
    }

    /** Runs the command line and returns the exit code (tests call this without exiting the JVM). */
    public static int execute(String[] args, Map<String, String> env) {
        List<String> refusals = FlanneldFlags.refusals(args, env);
        if (!refusals.isEmpty()) {
            refusals.forEach(r -> System.err.println("weft: " + r));
            return 2;
        }
        CommandLine cli = commandLine(env);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Every start-up failure is one readable line; the stack trace only with -v.
            System.err.println("weft: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("weft: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, System.err);
            System.err.println("see 'weft " + (e.getCommandLine().getCommandName().equals("weft") ? "" : e.getCommandLine().getCommandName() + " ") + "--help'");
            return 2;
        });
        return cli.execute(args);
    }

    /** The command tree, with option defaults read from {@code env} ({@code FLANNELD_*}, {@code WEFT_*}). */
    public static CommandLine commandLine(Map<String, String> env) {
        CommandLine cli = new CommandLine(new WeftMain());
        cli.setDefaultValueProvider(new FlanneldFlags.EnvironmentDefaults(env));
        // Booleans as Go reads them (flanneld): -ip-masq=1, FLANNELD_IP_MASQ=T.
        cli.registerConverter(Boolean.class, new GoBool());
        cli.registerConverter(boolean.class, new GoBool());
        // A flag given twice keeps its last value, as Go's flag package (flanneld) does.
        cli.setOverwrittenOptionsAllowed(true);
        VersionProvider.acceptFlanneldSpelling(cli);
        VersionProvider.acceptFlanneldSpelling(cli.getSubcommands().get("run"));
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
