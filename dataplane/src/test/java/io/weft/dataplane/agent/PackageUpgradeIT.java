package io.weft.dataplane.agent;

import io.weft.labkit.process.Cmd;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.SystemTests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upgrade of the package with pods running: host h1 runs weft as installed by the old package version, the new
 * version is installed, its postinst restarts the agent, and a pod on h1 pings a pod on h2 (a plain weft host)
 * throughout. The packets lost are printed, as a restart test would; only that the upgrade completed and that the
 * pods reach each other afterwards is asserted (no timing).
 *
 * <p>There is no systemd in the test, so the service manager is emulated, minimally: the maintainer scripts run as
 * dpkg runs them on a host (old {@code prerm upgrade NEW}, the new files unpacked over the old, new
 * {@code postinst configure OLD}), in a private mount namespace where {@code /run/systemd/system} exists (so they
 * believe systemd runs) and with {@code systemctl} and {@code deb-systemd-invoke} on PATH replaced by two small
 * scripts: {@code systemctl} only records its call; {@code deb-systemd-invoke} keeps weft.service as a pid file and
 * an ExecStart script (the package's {@code /etc/default/weft} read as the unit's EnvironmentFile, then
 * {@code java $WEFT_JAVA_OPTS -jar <root>/usr/lib/weft/weft.jar run ...} in the host's namespace), and does
 * {@code try-restart} (SIGTERM, wait, start again, only if it runs), {@code stop}, {@code start} and
 * {@code restart} on it. Unlike systemd it does not wait for READY=1. The two package versions are one jar packaged
 * by scripts/package and repacked under a higher version with dpkg-deb.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PackageUpgradeIT {
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    private static final String OLD = "0.1.0~upgradetest1-1";
    private static final String NEW = "0.1.0~upgradetest2-1";
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    void anUpgradeRestartsTheRunningAgentAndThePodsReachEachOtherAfterwards() throws Exception {
        SystemTests.require(SystemTests.which("dpkg-deb") != null, "needs dpkg-deb (Debian's dpkg)");
        try (AgentLab lab = new AgentLab("wdp-up-")) {
            Path work = lab.dir.resolve("pkg");
            Path root = work.resolve("root");
            Path svc = work.resolve("svc");
            Files.createDirectories(root.resolve("var/lib/dpkg/info"));
            Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
            Files.createFile(root.resolve("var/lib/dpkg/status"));
            Files.createDirectories(svc);
            Path oldDeb = buildPackage(work.resolve("old"), OLD);
            Path newDeb = repack(oldDeb, work.resolve("new"), NEW);

            lab.startEtcd();
            lab.putConfig(CONFIG);
            Netns h1 = lab.addHost("h1", 1);
            lab.addHost("h2", 2);
            // The old version, installed as dpkg installs it (into the throwaway root; it does not start the service).
            Cmd.run(120, "dpkg", "--root=" + root, "--force-script-chrootless", "--force-depends", "--log=/dev/null",
                    "-i", oldDeb.toString()).requireOk();
            Path h1Dir = lab.hostDir("h1");
            Path log = h1Dir.resolve("weft.log");
            writeServiceManager(work.resolve("fakebin"), svc, h1, root, h1Dir);
            Cmd.run(30, svc.resolve("start").toString()).requireOk(); // systemctl start weft
            AgentProcess plain = lab.startWeft("h2");
            AgentLab.awaitCount(log, "weft is up", 1, 90);
            plain.awaitOutput("weft is up", 90);
            String pod1 = lab.addPodFromSubnetEnv("h1");
            String pod2 = lab.addPodFromSubnetEnv("h2");
            AgentLab.assertReachable(lab.pod("h1"), pod2);
            long oldPid = Long.parseLong(Files.readString(svc.resolve("pid")).trim());
            String ifindex = h1.ip("-o", "link", "show", "dev", "weft.1").split(":")[0];

            // A pod ping throughout the upgrade: 10 a second, for at most 120 s (stopped early with SIGINT).
            Process ping = new ProcessBuilder(lab.pod("h1").wrap(List.of("ping", "-i", "0.05", "-c", "1200", "-W", "1", pod2)))
                    .redirectErrorStream(true).redirectOutput(work.resolve("ping.txt").toFile()).start();
            lab.track(ping);
            Thread.sleep(2000);

            Path newControl = work.resolve("new-control");
            Cmd.run(30, "dpkg-deb", "-e", newDeb.toString(), newControl.toString()).requireOk();
            maintainerScript(work, svc, root.resolve("var/lib/dpkg/info/weft.prerm"), "upgrade", NEW);
            Cmd.run(60, "dpkg-deb", "-x", newDeb.toString(), root.toString()).requireOk();
            maintainerScript(work, svc, newControl.resolve("postinst"), "configure", OLD);

            String calls = Files.readString(svc.resolve("calls"));
            assertThat(calls).contains("systemctl --system daemon-reload").contains("deb-systemd-invoke try-restart weft.service");
            long newPid = Long.parseLong(Files.readString(svc.resolve("pid")).trim());
            assertThat(newPid).as("the postinst restarted the agent").isNotEqualTo(oldPid);
            AgentLab.awaitCount(log, "weft is up", 2, 90);
            Thread.sleep(2000);
            Cmd.run(10, "kill", "-INT", Long.toString(ping.pid())).requireOk();
            ping.waitFor(10, TimeUnit.SECONDS);
            String pingOut = Files.readString(work.resolve("ping.txt"));
            Matcher m = Pattern.compile("(\\d+) packets transmitted, (\\d+) received").matcher(pingOut);
            if (m.find()) {
                int sent = Integer.parseInt(m.group(1));
                int received = Integer.parseInt(m.group(2));
                // (20 a second, as RestartIT pings: an upgrade is to lose no more than a restart)
                System.out.printf("upgrade %s -> %s with a pod ping every 50 ms: %d of %d lost (about %d ms)%n",
                        OLD, NEW, sent - received, sent, (sent - received) * 50);
            } else {
                System.out.println("upgrade: ping printed no summary: " + pingOut);
            }
            String newAgent = Files.readString(log);
            newAgent = newAgent.substring(newAgent.lastIndexOf(" starting"));
            System.out.println("the new agent (JVM options from the package's /etc/default/weft):\n" + String.join("\n",
                    newAgent.lines().filter(l -> l.contains("ms after the process started")).toList()));

            assertThat(Files.readString(log)).containsPattern("(?s)weft .* starting.*weft .* starting")
                    .contains("forwarding on weft.1 with the last run's table");
            assertThat(h1.ip("-o", "link", "show", "dev", "weft.1").split(":")[0]).as("the new agent adopted the TUN")
                    .isEqualTo(ifindex);
            AgentLab.assertReachable(lab.pod("h1"), pod2);
            AgentLab.assertReachable(lab.pod("h2"), pod1);
        }
    }

    /** scripts/package with this build's jar, under {@code version}; returns the .deb. */
    private static Path buildPackage(Path out, String version) {
        Cmd.Result r = Cmd.run(600, "env", "WEFT_PACKAGE_JAR=" + AgentLab.JAR, "WEFT_PACKAGE_OUT=" + out,
                "WEFT_DEB_VERSION=" + version, REPO.resolve("scripts/package").toString()).requireOk();
        List<String> lines = r.output().lines().filter(l -> l.endsWith(".deb")).toList();
        return Path.of(lines.get(lines.size() - 1).trim());
    }

    /** The same package under a higher version: what the next release's package changes for dpkg. */
    private static Path repack(Path deb, Path dir, String version) throws Exception {
        Path tree = dir.resolve("tree");
        Files.createDirectories(dir);
        Cmd.run(60, "dpkg-deb", "-R", deb.toString(), tree.toString()).requireOk();
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: " + version));
        Path out = dir.resolve("weft_" + version + "_all.deb");
        Cmd.run(120, "dpkg-deb", "--root-owner-group", "--build", tree.toString(), out.toString()).requireOk();
        return out;
    }

    private static void writeServiceManager(Path bin, Path svc, Netns host, Path root, Path hostDir) throws Exception {
        Files.createDirectories(bin);
        executable(bin.resolve("systemctl"), "#!/bin/sh\necho \"systemctl $*\" >> '" + svc + "/calls'\n");
        // as the unit: EnvironmentFile=-/etc/default/weft, then java $WEFT_JAVA_OPTS -jar /usr/lib/weft/weft.jar run ...
        executable(svc.resolve("start"), "#!/bin/sh\n# ExecStart of the emulated weft.service: the installed jar\n"
                + "set -a; . '" + root + "/etc/default/weft'; set +a\n"
                + "nohup " + String.join(" ", host.wrap(List.of("java", "$WEFT_JAVA_OPTS", "-jar", root + "/usr/lib/weft/weft.jar", "run",
                "-etcd-endpoints", AgentLab.ETCD_URL, "-iface", "eth0", "-subnet-file", hostDir + "/subnet.env",
                "--run-dir", hostDir + "/run", "--workers", "1")))
                + " >> '" + hostDir + "/weft.log' 2>&1 < /dev/null &\necho $! > '" + svc + "/pid'\n");
        executable(bin.resolve("deb-systemd-invoke"), """
                #!/bin/sh
                # The emulated service manager: what weft's maintainer scripts ask of it, for weft.service only.
                SVC='%s'
                echo "deb-systemd-invoke $*" >> "$SVC/calls"
                [ "$2" = weft.service ] || exit 0
                alive() { s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ "$s" != Z ]; }
                running() { [ -f "$SVC/pid" ] && alive "$(cat "$SVC/pid")"; }
                stop() {
                    pid=$(cat "$SVC/pid"); kill -TERM "$pid"; i=0
                    while alive "$pid" && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
                    kill -KILL "$pid" 2>/dev/null || true; rm -f "$SVC/pid"
                }
                case "$1" in
                    try-restart) if running; then stop; exec "$SVC/start"; fi ;;
                    stop) if running; then stop; fi ;;
                    start|restart) if running; then stop; fi; exec "$SVC/start" ;;
                esac
                """.formatted(svc));
    }

    /** Runs a maintainer script as dpkg on a systemd host would, with the emulated service manager. */
    private static void maintainerScript(Path work, Path svc, Path script, String... args) {
        String inner = "mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && PATH='" + work.resolve("fakebin")
                + "':$PATH exec sh \"$0\" \"$@\"";
        List<String> cmd = new java.util.ArrayList<>(List.of("unshare", "-m", "sh", "-c", inner, script.toString()));
        cmd.addAll(List.of(args));
        Cmd.run(120, cmd).requireOk();
    }

    private static void executable(Path p, String text) throws Exception {
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
