package io.weft.dataplane.interop;

import io.weft.labkit.SystemTests;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.vxlan.OverlayHost;
import io.weft.labkit.vxlan.StaticDataPlane;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Start-up failures a user meets when flanneld (or something else) is still around: one readable line, exit 1. */
class StartupErrorsTest {
    private static final String PREFIX = "wdp-se";
    private static final OverlayHost SELF = new OverlayHost("10.99.0.1", "10.244.1.0/24", "0e:2a:00:00:00:01");

    @BeforeAll
    static void requirements() {
        SystemTests.requireRoot();
        SystemTests.requireBinary("socat", "socat");
    }

    private static String failingStart(Netns ns, List<String> args) {
        StaticDataPlane w = StaticDataPlane.spawn(ns, args);
        try {
            int code = w.waitForExit(60);
            assertThat(code).as("exit code; output: %s", w.transcript()).isEqualTo(1);
            return w.transcript().trim();
        } finally {
            w.close();
        }
    }

    @Test
    void aFlannelVxlanDeviceOnThePortIsNamedWithTheFixAndTheBackendPortSetting() {
        Netns.deleteLeftovers(PREFIX);
        try (Netns ns = Netns.create(PREFIX + "a")) {
            ns.ip("link", "add", "flannel.1", "type", "vxlan", "id", "1", "dstport", "8472", "nolearning");
            ns.ip("link", "set", "flannel.1", "up");
            String out = failingStart(ns, StaticDataPlane.args(PREFIX + "t0", SELF, "10.244.0.0/16", 8472, 1));
            assertThat(out).startsWith("weft: UDP port 8472 is already in use by the kernel vxlan device flannel.1")
                    .contains("ip link delete flannel.1").contains("Backend.Port");
            assertThat(out.lines().count()).isEqualTo(1);
        }
    }

    @Test
    void aDeviceNameHeldByAVxlanDeviceIsExplained() {
        Netns.deleteLeftovers(PREFIX + "b");
        try (Netns ns = Netns.create(PREFIX + "b")) {
            ns.ip("link", "add", "flannel.1", "type", "vxlan", "id", "1", "dstport", "8472", "nolearning");
            String out = failingStart(ns, StaticDataPlane.args("flannel.1", SELF, "10.244.0.0/16", 8475, 1));
            assertThat(out).startsWith("weft: cannot create TUN device flannel.1: a vxlan device with that name already exists")
                    .contains("flanneld").contains("ip link delete flannel.1");
        }
    }

    @Test
    void aProcessHoldingThePortIsNamed() throws Exception {
        Netns.deleteLeftovers(PREFIX + "c");
        try (Netns ns = Netns.create(PREFIX + "c")) {
            Process holder = ns.processBuilder("socat", "-u", "UDP-RECV:8476", "OPEN:/dev/null").start();
            try {
                String hexPort = String.format(":%04X ", 8476);
                for (int attempt = 0; attempt < 50 && !ns.exec(10, "cat", "/proc/net/udp").output().contains(hexPort); attempt++) {
                    Thread.sleep(100);
                }
                String out = failingStart(ns, StaticDataPlane.args(PREFIX + "t2", SELF, "10.244.0.0/16", 8476, 1));
                assertThat(out).startsWith("weft: UDP port 8476 is already in use by process ").contains("socat")
                        .contains("Backend.Port");
            } finally {
                holder.descendants().forEach(ProcessHandle::destroyForcibly);
                holder.destroyForcibly();
            }
        }
    }
}
