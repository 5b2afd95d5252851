package io.weft.dataplane.agent;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * h1's agent killed with SIGKILL and started again, 10 times (3 with --quick), while h2's pod pings h1's at 20/s.
 * Then, with the agent running: exactly one TUN device, one route for the network, no iptables rule twice, one process
 * in the namespace, and a control socket that answers (each start found the last one's stale socket). Then a clean
 * stop, and {@code weft cleanup} if this weft has that command: nothing of weft may be left on the host. This holds
 * for a weft that undoes its setup at a stop and for one that keeps it until {@code weft cleanup}, as flanneld keeps
 * flannel.1.
 */
final class ChaosKillLoopTrial {
    private final ChaosCluster c;
    private final ChaosOptions o;

    ChaosKillLoopTrial(ChaosCluster c, ChaosOptions o) {
        this.c = c;
        this.o = o;
    }

    ChaosRow run() throws Exception {
        int kills = o.pick(10, 3);
        String trial = "SIGKILL loop: " + kills + " kills and restarts of one agent";
        ChaosPing ping = ChaosPing.start(c.pod(1), c.podIps[0], 0.05, kills * 150L + 60);
        Thread.sleep(2_000);
        double[] killedAt = new double[kills];
        List<String> upTimes = new ArrayList<>();
        for (int k = 0; k < kills; k++) {
            killedAt[k] = now();
            Process old = c.agents[0].process;
            old.destroyForcibly();
            old.waitFor(30, TimeUnit.SECONDS);
            c.startAgent(0);
            c.awaitUp(0);
            upTimes.add(String.format(Locale.ROOT, "%.1f", now() - killedAt[k]));
            ChaosCluster.awaitTrue("h2's pod reaches h1's again after restart " + (k + 1), 60,
                    () -> c.pod(1).exec(10, "ping", "-c", "1", "-W", "1", c.podIps[0]).ok());
            Thread.sleep(2_000);
        }
        double end = now();
        ChaosPing.Replies r = ping.stop();
        StringJoiner lost = new StringJoiner(", ");
        for (int k = 0; k < kills; k++) {
            lost.add(Integer.toString(r.lostBetween(killedAt[k], k + 1 < kills ? killedAt[k + 1] : end + 60)));
        }
        HostState running = HostState.of(c.host(0));
        boolean socketAnswers = c.weft(0, "stats", "--run-dir", c.runDir(0).toString()).ok();

        c.agents[0].stop(60);
        String cleanup = cleanupIfThere();
        HostState stopped = HostState.of(c.host(0));
        c.startAgent(0);
        c.awaitUp(0);

        boolean ok = running.tuns == 1 && running.routes == 1 && running.blackholes <= 1 && running.duplicateRules.isEmpty()
                && running.processes == 1 && socketAnswers
                && stopped.tuns == 0 && stopped.routes == 0 && stopped.blackholes == 0 && stopped.weftRules == 0 && stopped.processes == 0;
        String figures = "ping lost per restart: " + lost + " (restart to \"weft is up\": " + String.join(", ", upTimes)
                + " s); running after the loop: " + running + (socketAnswers ? ", control socket answers" : ", control socket DEAD")
                + "; after the stop" + cleanup + ": " + stopped;
        return ChaosRow.checked(trial, figures, "no leftover state", ok);
    }

    /** Runs {@code weft cleanup} when this weft has it; says what was done, for the table. */
    private String cleanupIfThere() throws Exception {
        Cmd.Result help = c.weft(0, "cleanup", "--help");
        // An older weft answers any --help with its main usage, and exits 0.
        if (!help.ok() || !help.output().contains("Usage: weft cleanup")) {
            return " (no weft cleanup in this build)";
        }
        List<String> args = new ArrayList<>(List.of("cleanup"));
        if (help.output().contains("--run-dir")) {
            args.addAll(List.of("--run-dir", c.runDir(0).toString()));
        }
        if (help.output().contains("--subnet-file")) {
            args.addAll(List.of("--subnet-file", c.lab.hostDir("h1").resolve("subnet.env").toString()));
        }
        Cmd.Result r = c.weft(0, args.toArray(new String[0]));
        return r.ok() ? " and weft cleanup" : " and weft cleanup (exit " + r.exitCode() + ")";
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    /**
     * What weft leaves on a host: TUN devices, routes for the network, blackhole routes (for the own subnet), iptables
     * rules and chains of flannel's or weft's, processes in the namespace.
     */
    record HostState(int tuns, int routes, int blackholes, int weftRules, List<String> duplicateRules, int processes) {
        static HostState of(Netns ns) {
            int tuns = 0;
            for (String line : ns.exec(20, "ip", "-d", "-o", "link", "show").requireOk().output().split("\n")) {
                if (line.contains(" tun type tun ")) {
                    tuns++;
                }
            }
            int routes = 0;
            int blackholes = 0;
            for (String line : ns.exec(20, "ip", "route", "show").requireOk().output().split("\n")) {
                if (line.startsWith(ChaosCluster.NETWORK + " ")) {
                    routes++;
                } else if (line.startsWith("blackhole ")) {
                    blackholes++;
                }
            }
            Set<String> seen = new HashSet<>();
            List<String> dups = new ArrayList<>();
            int weftRules = 0;
            for (String table : List.of("filter", "nat")) {
                for (String line : ns.exec(20, "iptables", "-t", table, "-S").requireOk().output().split("\n")) {
                    if (line.startsWith("-A ") || line.startsWith("-N ")) {
                        if (line.contains("FLANNEL") || line.contains("flanneld") || line.contains("weft")) {
                            weftRules++;
                        }
                        if (!seen.add(table + " " + line)) {
                            dups.add(table + ": " + line);
                        }
                    }
                }
            }
            int processes = 0;
            for (String pid : Cmd.run(20, "ip", "netns", "pids", ns.name()).output().split("\\s+")) {
                if (pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)) {
                    processes++;
                }
            }
            return new HostState(tuns, routes, blackholes, weftRules, dups, processes);
        }

        @Override
        public String toString() {
            return tuns + " TUN, " + routes + " route, " + blackholes + " blackhole route, " + weftRules + " weft rules"
                    + (duplicateRules.isEmpty() ? " (none twice)" : " (" + duplicateRules.size() + " twice: " + duplicateRules.get(0) + ")")
                    + ", " + processes + " process" + (processes == 1 ? "" : "es");
        }
    }
}
