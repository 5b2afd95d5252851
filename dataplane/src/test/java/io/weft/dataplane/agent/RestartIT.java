package io.weft.dataplane.agent;

import io.weft.labkit.SystemTests;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Restarts with pods running, as an operator or systemd does them: a pod on h1 pings a pod on h2 at 20 packets a
 * second while h1's agent is restarted three ways: SIGTERM then a new agent, SIGKILL then a new agent (both without
 * the service manager's fd store), and SIGTERM with an emulated fd store ({@code fd-store.py}: it owns the notify
 * socket, keeps the descriptors the agent sends with FDSTORE=1, and starts the next agent with them as LISTEN_FDS).
 * h1's agents run with the unit's JVM options (WEFT_JAVA_OPTS of src/systemd/weft.env), as users run weft. The pings
 * lost are printed, with how soon after its process started each new agent forwarded (no timing is asserted); asserted
 * is what cannot be flaky: the next agent starts (after
 * SIGKILL despite the stale control socket), adopts the persistent TUN (same ifindex), forwards from the last run's
 * table, takes the descriptors back, leaves every rule and route exactly once, and traffic flows again both ways.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RestartIT {
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    /** (no -ip-blackhole-route: with a pod's connected route for the same subnet it would swallow the replies) */
    private static final String[] H1_FLAGS = {"-ip-masq"};
    private static final String ATTACHED = "attached 1 TUN queue(s) and bound 1 VXLAN socket(s) of the last run";

    @Test
    void aRestartKeepsTheHostSetupAndThePodsLoseFewPackets() throws Exception {
        SystemTests.requireBinary("python3", "python3");
        try (AgentLab lab = new AgentLab("wdp-rs-")) {
            try {
                restarts(lab);
            } catch (AssertionError | RuntimeException e) {
                for (String log : List.of("h1/weft.log", "h1/weft-fd.log", "h1/fd-store.out", "h2/weft.log")) {
                    Path p = lab.dir.resolve(log);
                    System.out.println("--- " + log + ":\n" + (Files.exists(p) ? Files.readString(p) : "(none)"));
                }
                throw e;
            }
        }
    }

    private static void restarts(AgentLab lab) throws Exception {
        lab.startEtcd();
        lab.putConfig(CONFIG);
        Netns h1 = lab.addHost("h1", 1);
        lab.addHost("h2", 2);
        // h1's agents run with the JVM options users run weft with (the unit's WEFT_JAVA_OPTS)
        List<String> jvm = AgentProcess.unitJvmOptions();
        AgentProcess[] h1Agent = {lab.startWeft(jvm, "h1", H1_FLAGS)};
        AgentProcess h2Agent = lab.startWeft("h2");
        h1Agent[0].awaitOutput("weft is up", 90);
        h2Agent.awaitOutput("weft is up", 90);
        String pod1 = lab.addPodFromSubnetEnv("h1");
        String pod2 = lab.addPodFromSubnetEnv("h2");
        AgentLab.assertReachable(lab.pod("h1"), pod2);
        String ifindex = ifindex(h1);
        assertSetupOnce(h1);

        String term = measure(lab, pod2, "sigterm", () -> {
            mark("SIGTERM sent");
            assertThat(h1Agent[0].stop(30)).isIn(0, 143);
            mark("the old agent exited");
            assertThat(h1Agent[0].output()).contains("stopped in ");
            System.out.println("SIGTERM: " + h1Agent[0].output().lines().filter(l -> l.contains("stopped in ")).findFirst()
                    .orElseThrow());
            mark("the next agent spawned");
            h1Agent[0] = lab.startWeft(jvm, "h1", H1_FLAGS);
            h1Agent[0].awaitOutput("weft is up", 90);
            markAgent(h1Agent[0].output());
        });
        String termStart = forwardingAfter(h1Agent[0].output()) + attachedAfter(h1Agent[0].output());
        assertThat(h1Agent[0].output()).as("the next agent attaches the TUN queue and binds the socket first thing")
                .contains(ATTACHED);
        assertAdopted(lab, h1, h1Agent[0].output(), ifindex, pod1, pod2);

        Path socket = lab.hostDir("h1").resolve("run/weft.sock");
        long restartSec = restartSecMillis();
        String kill = measure(lab, pod2, "sigkill", () -> {
            mark("SIGKILL sent");
            h1Agent[0].close(); // SIGKILL
            assertThat(h1Agent[0].process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            mark("the old agent exited");
            assertThat(socket).as("the killed agent's control socket is left behind").exists();
            Thread.sleep(restartSec); // what systemd waits before it restarts a crashed weft (the unit's RestartSec)
            mark("the next agent spawned");
            h1Agent[0] = lab.startWeft(jvm, "h1", H1_FLAGS);
            h1Agent[0].awaitOutput("weft is up", 90);
            markAgent(h1Agent[0].output());
        });
        String killStart = forwardingAfter(h1Agent[0].output()) + attachedAfter(h1Agent[0].output());
        assertThat(h1Agent[0].output()).contains(ATTACHED);
        assertAdopted(lab, h1, h1Agent[0].output(), ifindex, pod1, pod2);

        assertThat(h1Agent[0].stop(30)).isIn(0, 143);
        FdStore store = FdStore.start(lab, h1, jvm, H1_FLAGS);
        store.command("start");
        AgentLab.awaitCount(store.agentLog, "weft is up", 1, 90);
        assertThat(Files.readString(store.notifyLog)).contains("FDSTORE=1|FDNAME=weft-tun-0")
                .contains("FDSTORE=1|FDNAME=weft-udp-0").contains("READY=1");
        String stored = measure(lab, pod2, "fdstore", () -> {
            mark("restart (SIGTERM, then start) sent to the fd store");
            store.command("restart");
            AgentLab.awaitCount(store.agentLog, "weft is up", 2, 90);
        });
        String second = Files.readString(store.agentLog);
        second = second.substring(second.indexOf("weft is up") + "weft is up".length());
        System.out.println("--- the agent after the fd-store restart:\n" + second);
        assertThat(second).contains("the service manager handed back 1 TUN queue(s) and 1 VXLAN socket(s)")
                .as("the store's descriptors, not new ones").doesNotContain(ATTACHED);
        assertAdopted(lab, h1, second, ifindex, pod1, pod2);

        // a crash under systemd: the store keeps the descriptors, and the service restarts after RestartSec
        String crashed = measure(lab, pod2, "fdstore-sigkill", () -> {
            mark("SIGKILL sent through the fd store");
            store.command("kill");
            Thread.sleep(restartSec);
            mark("the next agent spawned");
            store.command("start");
            AgentLab.awaitCount(store.agentLog, "weft is up", 3, 90);
        });
        String third = Files.readString(store.agentLog);
        third = third.substring(third.lastIndexOf("weft is up", third.lastIndexOf("weft is up") - 1));
        assertThat(third).contains("the service manager handed back 1 TUN queue(s) and 1 VXLAN socket(s)");
        assertAdopted(lab, h1, third, ifindex, pod1, pod2);
        store.command("stop");

        System.out.printf("restart of h1's agent, a pod ping at 20/s throughout: SIGTERM without fd store %s;"
                + " SIGKILL without fd store %s; SIGTERM with the fd store %s; SIGKILL with the fd store %s"
                + " (after a SIGKILL the next agent starts after the unit's RestartSec, %d ms)%n", term, kill, stored,
                crashed, restartSec);
        System.out.printf("the next agent forwarded %s (SIGTERM), %s (SIGKILL), %s ms (fd store), %s ms (fd store,"
                + " SIGKILL) after its process started; JVM options %s%n", termStart, killStart, forwardingAfter(second),
                forwardingAfter(third), jvm);
    }

    /** The next agent took over what the last one left, and the pods reach each other both ways. */
    private static void assertAdopted(AgentLab lab, Netns h1, String log, String ifindex, String pod1, String pod2)
            throws Exception {
        assertThat(log).contains("forwarding on weft.1 with the last run's table (1 peer(s)").doesNotContain("reprogramm");
        assertThat(ifindex(h1)).as("the same persistent TUN device").isEqualTo(ifindex);
        assertSetupOnce(h1);
        AgentLab.assertReachable(lab.pod("h1"), pod2);
        AgentLab.assertReachable(lab.pod("h2"), pod1);
    }

    /** How many ms after its process started the agent that wrote {@code log} forwarded with the last run's table. */
    private static String forwardingAfter(String log) {
        Matcher m = Pattern.compile("until the registry answers, (\\d+) ms after the process started").matcher(log);
        assertThat(m.find()).as("the agent says when it forwarded:\n" + log).isTrue();
        return m.group(1);
    }

    /** Wall-clock marks of the restart being measured (ms since the epoch), printed against the pings lost. */
    private static final Map<String, Long> MARKS = new LinkedHashMap<>();

    private static synchronized void mark(String what) {
        MARKS.put(what, System.currentTimeMillis());
    }

    /** The new agent's own marks, from its log, placed after its spawn (the process start, to the kernel's 10 ms). */
    private static synchronized void markAgent(String log) {
        Long spawned = MARKS.get("the next agent spawned");
        if (spawned == null) {
            return;
        }
        Matcher a = Pattern.compile("of the last run (\\d+) ms after the process started").matcher(log);
        if (a.find()) {
            MARKS.put("the next agent attached the TUN queue and bound the socket", spawned + Long.parseLong(a.group(1)));
        }
        Matcher f = Pattern.compile("until the registry answers, (\\d+) ms after the process started").matcher(log);
        if (f.find()) {
            MARKS.put("the next agent forwarded", spawned + Long.parseLong(f.group(1)));
        }
    }

    /**
     * The restart's timeline: the marks and when the lost pings and those answered late were sent, in ms after the
     * first mark. ping -O prints "no answer yet for icmp_seq=N" as it sends N+1, one interval (50 ms) after N.
     */
    private static synchronized String timeline(String pingOutput) {
        if (MARKS.isEmpty()) {
            return "";
        }
        long t0 = MARKS.values().iterator().next();
        StringBuilder out = new StringBuilder();
        MARKS.forEach((what, at) -> out.append(String.format("  %+6d ms  %s%n", at - t0, what)));
        Set<Integer> answered = new HashSet<>();
        Matcher reply = Pattern.compile("icmp_seq=(\\d+) ttl=").matcher(pingOutput);
        while (reply.find()) {
            answered.add(Integer.parseInt(reply.group(1)));
        }
        List<String> lost = new ArrayList<>();
        List<String> late = new ArrayList<>();
        Matcher waiting = Pattern.compile("\\[(\\d+)\\.(\\d{3})\\d*\\] no answer yet for icmp_seq=(\\d+)").matcher(pingOutput);
        while (waiting.find()) {
            long sent = Long.parseLong(waiting.group(1)) * 1000 + Long.parseLong(waiting.group(2)) - 50 - t0;
            int seq = Integer.parseInt(waiting.group(3));
            (answered.contains(seq) ? late : lost).add(seq + "@" + sent);
        }
        out.append("  pings lost (seq@ms sent): ").append(lost).append('\n');
        out.append("  pings answered late (seq@ms sent): ").append(late).append('\n');
        MARKS.clear();
        return out.toString();
    }

    /** How many ms after its process started the agent attached the last run's TUN queue and socket, or "". */
    private static String attachedAfter(String log) {
        Matcher m = Pattern.compile("bound \\d+ VXLAN socket\\(s\\) of the last run (\\d+) ms after").matcher(log);
        return m.find() ? " ms, TUN and socket attached at " + m.group(1) + " ms," : " ms,";
    }

    /** The unit's RestartSec (src/systemd/weft.service) in ms: "100ms", "1s", "1" (seconds) or "1.5s". */
    static long restartSecMillis() throws IOException {
        Path unit = Path.of("..", "src", "systemd", "weft.service").toAbsolutePath().normalize();
        for (String line : Files.readAllLines(unit)) {
            if (line.startsWith("RestartSec=")) {
                String v = line.substring("RestartSec=".length()).trim();
                if (v.endsWith("ms")) {
                    return Long.parseLong(v.substring(0, v.length() - 2).trim());
                }
                return Math.round(Double.parseDouble(v.endsWith("s") ? v.substring(0, v.length() - 1) : v) * 1000);
            }
        }
        return 100; // systemd's default
    }

    /** Every rule, address and route of h1's setup is there exactly once. */
    private static void assertSetupOnce(Netns h1) {
        String nat = h1.exec(20, "iptables-save", "-t", "nat").requireOk().output();
        String filter = h1.exec(20, "iptables-save", "-t", "filter").requireOk().output();
        assertThat(count(nat, "-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG")).as(nat).isEqualTo(1);
        assertThat(count(nat, "-A FLANNEL-POSTRTG ")).as(nat).isEqualTo(6);
        assertThat(count(filter, "-A FORWARD -m comment --comment \"flanneld forward\" -j FLANNEL-FWD")).as(filter).isEqualTo(1);
        assertThat(count(filter, "-A FLANNEL-FWD ")).as(filter).isEqualTo(2);
        String addr = h1.ip("-4", "addr", "show", "dev", "weft.1");
        assertThat(count(addr, " inet ")).as(addr).isEqualTo(1);
        String routes = h1.ip("-4", "route", "show", "dev", "weft.1");
        assertThat(routes.strip().lines().toList()).as(routes).hasSize(1).allMatch(l -> l.startsWith("10.244.0.0/16 "));
    }

    private static int count(String text, String line) {
        return (int) text.lines().filter(l -> l.startsWith(line) || l.contains(line)).count();
    }

    private static String ifindex(Netns h1) {
        return h1.ip("-o", "link", "show", "dev", "weft.1").split(":")[0];
    }

    interface Restart {
        void run() throws Exception;
    }

    /** Runs {@code restart} while a pod on h1 pings {@code pod2} every 50 ms; returns "N of M lost". */
    private static String measure(AgentLab lab, String pod2, String name, Restart restart) throws Exception {
        Path out = lab.dir.resolve("ping-" + name + ".txt");
        // bounded: at most 1200 pings (60 s); stopped with SIGINT once the restart is over
        Process ping = new ProcessBuilder(lab.pod("h1").wrap(List.of("ping", "-D", "-O", "-i", "0.05", "-c", "1200", "-W", "1", pod2)))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        lab.track(ping);
        try {
            Thread.sleep(2000);
            restart.run();
            Thread.sleep(2000);
        } finally {
            Cmd.run(10, "kill", "-INT", Long.toString(ping.pid()));
            ping.waitFor(10, TimeUnit.SECONDS);
        }
        String text = Files.readString(out);
        System.out.println("after " + name + ": " + kernelDrops(lab.host("h1")));
        System.out.print("timeline of the restart (" + name + "):\n" + timeline(text));
        System.out.println("ping replies later than 200 ms or missing (" + name + "):\n" + text.lines()
                .filter(l -> l.matches(".*time=\\d{3,}.*") || l.contains("no answer") || l.contains("Unreachable"))
                .limit(60).reduce("", (x, y) -> x + y + "\n"));
        Matcher m = Pattern.compile("(\\d+) packets transmitted, (\\d+) received").matcher(text);
        assertThat(m.find()).as("ping's summary:\n" + text).isTrue();
        int sent = Integer.parseInt(m.group(1));
        int received = Integer.parseInt(m.group(2));
        String loss = (sent - received) + " of " + sent + " lost";
        System.out.println("restart (" + name + "), a pod ping every 50 ms: " + loss);
        return loss;
    }

    /** The TUN's TX drops and the host's UDP error counters: where a restart's packets were lost (printed only). */
    private static String kernelDrops(Netns h1) {
        String link = h1.ip("-s", "link", "show", "dev", "weft.1");
        String udp = h1.exec(10, "sh", "-c", "grep '^Udp:' /proc/net/snmp").output().replace('\n', ' ');
        return link.replaceAll("\\s+", " ") + " | " + udp;
    }

    /** fd-store.py in the test's namespace, starting h1's agents; commands go to its stdin. */
    private static final class FdStore {
        final Path agentLog;
        final Path notifyLog;
        private final Process process;
        private final OutputStream commands;

        private FdStore(Process process, Path agentLog, Path notifyLog) {
            this.process = process;
            this.agentLog = agentLog;
            this.notifyLog = notifyLog;
            this.commands = process.getOutputStream();
        }

        static FdStore start(AgentLab lab, Netns h1, List<String> jvm, String... flags) throws IOException {
            Path d = lab.hostDir("h1");
            Path script = d.resolve("fd-store.py");
            try (InputStream in = RestartIT.class.getResourceAsStream("fd-store.py")) {
                Files.write(script, in.readAllBytes());
            }
            List<String> cmd = new ArrayList<>(List.of("python3", "-u", script.toString(), d.resolve("notify.sock").toString(),
                    d.resolve("notify.log").toString(), d.resolve("weft-fd.log").toString(), "ip", "netns", "exec", h1.name(),
                    Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(jvm);
            cmd.addAll(List.of("-jar", AgentLab.JAR.toString(), "run", "-etcd-endpoints", AgentLab.ETCD_URL,
                    "-iface", "eth0", "-subnet-file", d.resolve("subnet.env").toString(), "--run-dir",
                    d.resolve("run").toString(), "--workers", "1"));
            cmd.addAll(List.of(flags));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(d.resolve("fd-store.out").toFile())
                    .start();
            lab.track(p);
            return new FdStore(p, d.resolve("weft-fd.log"), d.resolve("notify.log"));
        }

        void command(String c) throws Exception {
            commands.write((c + "\n").getBytes(StandardCharsets.UTF_8));
            commands.flush();
            if (c.equals("stop")) {
                commands.close();
                process.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }
}
