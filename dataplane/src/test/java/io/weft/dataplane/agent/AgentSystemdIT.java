package io.weft.dataplane.agent;

import io.weft.labkit.SystemTests;
import io.weft.labkit.netns.Netns;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * weft speaks sd_notify as Type=notify expects: FDSTORE=1 for its descriptors, READY=1 once subnet.env is written,
 * WATCHDOG=1, STOPPING=1.
 */
class AgentSystemdIT {

    @Test
    void readyAfterSubnetEnvThenWatchdogPingsThenStopping() throws Exception {
        SystemTests.requireBinary("python3", "python3");
        try (AgentLab lab = new AgentLab("wdp-sd-")) {
            lab.startEtcd();
            lab.putConfig("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
            Netns host = lab.addHost("h1", 1);
            Path dir = lab.hostDir("h1");
            Path socket = dir.resolve("notify.sock");
            Path received = dir.resolve("notify.log");
            Path subnetEnv = dir.resolve("subnet.env");
            // systemd's side: a datagram socket that logs each notification on one line, with whether
            // subnet.env existed when it arrived.
            Process receiver = new ProcessBuilder("python3", "-u", "-c", String.join("\n",
                    "import os, socket, sys",
                    "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                    "s.bind(sys.argv[1])",
                    "while True:",
                    "    d = s.recv(4096).decode().replace('\\n', '|')",
                    "    print(d + (' subnet.env=yes' if os.path.exists(sys.argv[2]) else ' subnet.env=no'), flush=True)"),
                    socket.toString(), subnetEnv.toString())
                    .redirectErrorStream(true).redirectOutput(received.toFile()).start();
            lab.track(receiver);
            AgentLab.awaitFile(socket, 20);
            AgentProcess weft = AgentProcess.start(host, dir.resolve("weft.log"),
                    Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "2000000"), List.of(),
                    "run", "-etcd-endpoints", AgentLab.ETCD_URL, "-iface", "eth0", "-subnet-file", subnetEnv.toString(),
                    "--run-dir", dir.resolve("run").toString(), "--workers", "1");
            lab.track(weft.process);
            weft.awaitOutput("weft is up", 90);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (Files.readAllLines(received).stream().filter(l -> l.startsWith("WATCHDOG=1")).count() < 2) {
                assertThat(System.nanoTime()).as("two watchdog pings:\n" + Files.readString(received)).isLessThan(deadline);
                Thread.sleep(200);
            }
            assertThat(weft.stop(30)).isIn(0, 143);
            List<String> lines = Files.readAllLines(received);
            // the TUN queue and the socket go to the fd store as soon as the data plane is up, before READY=1
            assertThat(lines.subList(0, 2)).allMatch(l -> l.startsWith("FDSTORE=1|FDNAME=weft-"));
            List<String> notifications = lines.stream().filter(l -> !l.startsWith("FDSTORE=1")).toList();
            assertThat(notifications.get(0)).startsWith("READY=1|STATUS=subnet 10.244.").endsWith(" subnet.env=yes");
            assertThat(lines).anyMatch(l -> l.startsWith("STOPPING=1"));
            assertThat(lines.indexOf(lines.stream().filter(l -> l.startsWith("STOPPING=1")).findFirst().orElseThrow()))
                    .isGreaterThan(lines.indexOf(lines.stream().filter(l -> l.startsWith("WATCHDOG=1")).findFirst().orElseThrow()));
        }
    }
}
