package io.weft.benchmarks.harness;

import io.weft.labkit.SystemTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bench's rig with its IPv6 underlay, veths at their default offloads: the IPv6 reference tunnel (flannel-v6.1 on
 * both sides) and, when weft.jar is built, weft ↔ weft over IPv6 carry a ping and a 1 s iperf3 TCP stream between the
 * IPv6 VTEPs, and the IPv4 tunnels opened afterwards still get no IPv6. Root; the bench's own namespace prefix, so run
 * it under the system-test lock as every namespace test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Ipv6RigTest {
    private Rig rig;

    @BeforeAll
    void createRig() {
        SystemTests.requireRoot();
        for (String[] bin : new String[][] {{"ip", "iproute2"}, {"bridge", "iproute2"}, {"ethtool", "ethtool"},
                {"iperf3", "iperf3"}, {"ping", "iputils-ping"}, {"sysctl", "procps"}}) {
            SystemTests.requireBinary(bin[0], bin[1]);
        }
        rig = Rig.create(true);
    }

    @AfterAll
    void closeRig() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void theIpv6KernelReferenceMovesBytesAndLeavesNewDevicesWithoutIpv6() {
        try (Tunnel t = TunnelKind.KERNEL_VXLAN6.open(rig, settings(Path.of("unused.jar")))) {
            assertBytesCross(t);
        }
        assertThat(rig.a.exec(10, "sysctl", "-n", "net.ipv6.conf.default.disable_ipv6").requireOk().stdout().strip())
                .as("IPv6 off again for the devices of the IPv4 tunnels").isEqualTo("1");
        try (Tunnel t = TunnelKind.KERNEL_VXLAN.open(rig, settings(Path.of("unused.jar")))) {
            assertThat(rig.a.exec(10, "ip", "-6", "addr", "show", "dev", TunnelKind.KERNEL_DEVICE).requireOk().stdout())
                    .as("flannel.1 of an IPv4 path has no IPv6 address").isBlank();
            assertThat(Ping.answers(rig.a, t.addressOf(Rig.Side.B))).isTrue();
        }
    }

    @Test
    void weftToWeftOverIpv6MovesBytes() {
        Path jar = Path.of("..", "dataplane", "target", "weft.jar").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isRegularFile(jar), "skipped: " + jar + " is not built (mvn package -pl dataplane)");
        try (Tunnel t = TunnelKind.WEFT_WEFT6.open(rig, settings(jar))) {
            assertBytesCross(t);
        }
    }

    private static TunnelSettings settings(Path jar) {
        return new TunnelSettings(Path.of(System.getProperty("java.home"), "bin", "java").toString(), jar,
                List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), 1);
    }

    /** A ping to B's IPv6 VTEP (a few tries while the underlay's neighbours resolve), then 1 s of TCP that moves bytes. */
    private void assertBytesCross(Tunnel t) {
        String b = t.addressOf(Rig.Side.B);
        assertThat(b).isEqualTo("fd44:0:0:2::");
        boolean answered = false;
        for (int i = 0; i < 10 && !answered; i++) {
            answered = Ping.answers(rig.a, b);
        }
        assertThat(answered).as("ping6 from A to %s", b).isTrue();
        var server = Iperf3.startServer(rig.b);
        try {
            Iperf3Result r = Iperf3.run(rig.a, b, Iperf3.Test.TCP1, 1);
            assertThat(r.bytes()).as("TCP bytes from A to B over IPv6").isPositive();
        } finally {
            server.close();
        }
    }
}
