package io.weft.dataplane.agent;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code weft capture} on the real jar: weft h1 pings the flanneld-style kernel host k2's VTEP while capturing; tshark
 * must dissect the file's VXLAN (VNI 7, the config's) and the inner ICMP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CaptureIT {
    /** Closed after the last test: it kills the agents it tracks before it removes the namespaces. */
    @AutoClose
    private AgentLab lab;
    private Netns h1;
    private AgentProcess weft;
    private String k2Vtep;
    private String k2Subnet;
    private String h1Vtep;

    @BeforeAll
    void start() throws Exception {
        lab = new AgentLab("wdp-cap-");
        lab.startEtcd();
        lab.putConfig("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"VNI\":7}}");
        h1 = lab.addHost("h1", 1);
        lab.addHost("k2", 2);
        Path d = lab.hostDir("h1");
        weft = lab.startWeft("h1");
        Path k2env = lab.hostDir("k2").resolve("subnet.env");
        lab.startMiniFlanneld("k2", k2env);
        weft.awaitOutput("weft is up", 120);
        AgentLab.awaitFile(k2env, 30);
        k2Subnet = AgentLab.subnetEnvValue(k2env, "FLANNEL_SUBNET").replace(".1/", ".0/");
        k2Vtep = k2Subnet.substring(0, k2Subnet.indexOf('/'));
        h1Vtep = AgentLab.subnetEnvValue(d.resolve("subnet.env"), "FLANNEL_SUBNET").replace(".1/24", ".0");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!h1.exec(10, "ping", "-n", "-c", "1", "-W", "1", k2Vtep).ok() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    @Test
    void outerPacketsShowVxlanWithTheVniAndTheInnerIcmp() throws Exception {
        Path file = lab.dir.resolve("outer.pcap");
        Cmd.Result r = captureWhilePinging(file, "--count", "6", "--duration", "20");
        assertThat(r.ok()).as(r.output()).isTrue();
        assertThat(r.output()).contains("6 packets written to " + file);
        List<String> rows = tshark(file, List.of("-d", "udp.port==8472,vxlan"), "ip.src", "ip.dst", "udp.dstport",
                "vxlan.vni", "icmp.type");
        assertThat(rows).hasSize(6);
        System.out.println(r.output() + "\n" + Cmd.run(60, "tshark", "-r", file.toString(), "-d", "udp.port==8472,vxlan").output());
        assertThat(rows).anyMatch(l -> l.equals("10.98.0.1," + h1Vtep + "|10.98.0.2," + k2Vtep + "|8472|7|8"));
        assertThat(rows).anyMatch(l -> l.equals("10.98.0.2," + k2Vtep + "|10.98.0.1," + h1Vtep + "|8472|7|0"));
    }

    @Test
    void innerFramesOfOnePeer() throws Exception {
        Path file = lab.dir.resolve("inner.pcap");
        Cmd.Result r = captureWhilePinging(file, "--inner", "--peer", k2Subnet, "--count", "4", "--duration", "20");
        assertThat(r.ok()).as(r.output()).isTrue();
        List<String> rows = tshark(file, List.of(), "eth.type", "ip.src", "ip.dst", "icmp.type");
        assertThat(rows).hasSize(4).allMatch(l -> l.startsWith("0x0800|") && l.endsWith("|8") || l.endsWith("|0"));
        assertThat(rows).contains("0x0800|" + h1Vtep + "|" + k2Vtep + "|8");
    }

    @Test
    void anUnknownPeerIsRefused() throws Exception {
        Cmd.Result r = weftCli(List.of("capture", "-w", lab.dir.resolve("x.pcap").toString(), "--peer", "192.0.2.99"), 30);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.output()).contains("no peer with PublicIP or subnet 192.0.2.99");
    }

    private Cmd.Result captureWhilePinging(Path file, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("capture", "-w", file.toString()));
        cmd.addAll(Arrays.asList(args));
        Process capture = new ProcessBuilder(h1.wrap(javaCommand(cmd))).redirectErrorStream(true)
                .redirectOutput(lab.dir.resolve(file.getFileName() + ".log").toFile()).start();
        lab.track(capture);
        // the capture is running once the agent has logged it
        weft.awaitOutput("capturing " + (cmd.contains("--inner") ? "inner" : "outer") + " packets", 30);
        h1.exec(20, "ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", k2Vtep);
        boolean done = capture.waitFor(40, TimeUnit.SECONDS);
        String out = Files.readString(lab.dir.resolve(file.getFileName() + ".log"));
        return new Cmd.Result(cmd, done ? capture.exitValue() : -1, out, !done);
    }

    private Cmd.Result weftCli(List<String> args, long seconds) throws Exception {
        return Cmd.run(seconds, h1.wrap(javaCommand(args)));
    }

    private List<String> javaCommand(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-jar", AgentLab.JAR.toString()));
        cmd.addAll(args);
        cmd.addAll(List.of("--run-dir", lab.hostDir("h1").resolve("run").toString()));
        return cmd;
    }

    private static List<String> tshark(Path file, List<String> extra, String... fields) {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-r", file.toString()));
        cmd.addAll(extra);
        cmd.addAll(List.of("-T", "fields", "-E", "separator=|"));
        for (String f : fields) {
            cmd.addAll(List.of("-e", f));
        }
        String out = Cmd.run(60, cmd).requireOk().output();
        return Arrays.stream(out.split("\n")).filter(l -> !l.isBlank() && !l.startsWith("Running as user")).toList();
    }
}
