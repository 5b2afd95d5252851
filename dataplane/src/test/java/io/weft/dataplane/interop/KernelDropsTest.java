package io.weft.dataplane.interop;

import io.weft.dataplane.netns.Traffic;
import io.weft.labkit.SystemTests;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.netns.Underlay;
import io.weft.labkit.process.Cmd;
import io.weft.labkit.vxlan.KernelVxlan;
import io.weft.labkit.vxlan.OverlayHost;
import io.weft.labkit.vxlan.StaticDataPlane;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Packets the kernel drops on weft's behalf, before weft could read them, are counted in weft's stats as the kernel
 * counts them: at the TUN's queue ({@code drop_kernel_tun_queue}, the device's TX dropped) and at weft's VXLAN socket
 * ({@code drop_kernel_socket}, the socket's drops in {@code ss -m}). To make the kernel drop a known burst, weft is
 * stopped (SIGSTOP) while the burst is sent and continued afterwards, as a worker that fell behind would be.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelDropsTest {
    private static final String PREFIX = "wdp-qd";
    private static final String TUN = PREFIX + "t0";
    private static final int PORT = 8472;

    private final OverlayHost hostA = new OverlayHost("10.99.0.1", "10.244.1.0/24", "0e:2a:00:00:00:01");
    private final OverlayHost hostB = new OverlayHost("10.99.0.2", "10.244.2.0/24", "0e:2a:00:00:00:02");

    private Underlay net;
    private StaticDataPlane weft;

    @BeforeAll
    void startHosts() {
        SystemTests.requireRoot();
        for (String[] bin : new String[][] {{"ip", "iproute2"}, {"ss", "iproute2"}, {"ping", "iputils-ping"},
                {"socat", "socat"}}) {
            SystemTests.requireBinary(bin[0], bin[1]);
        }
        net = new Underlay(PREFIX, hostA.underlayIp(), hostB.underlayIp(), Underlay.Links.DEFAULT);
        try {
            KernelVxlan vx = KernelVxlan.create(net.b, PREFIX + "vx", 1, PORT, hostB, net.vethB, StaticDataPlane.MTU);
            vx.addPeer(hostA);
            // One worker: one TUN queue (one ring of txqueuelen packets) and one socket.
            weft = StaticDataPlane.start(net.a, StaticDataPlane.args(TUN, hostA, "10.244.0.0/16", PORT, 1, hostB));
            assertThat(Traffic.ping(net.a, hostB.vtepIp(), 56, false).requireOk().output()).contains(" 0% packet loss");
        } catch (RuntimeException e) {
            stopHosts();
            throw e;
        }
    }

    @AfterAll
    void stopHosts() {
        if (weft != null) {
            weft.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void packetsTheTunQueueDroppedWhileWeftWasNotReadingAreCountedAsTheDeviceCountsThem() throws Exception {
        long weftBefore = weft.counter("drop_kernel_tun_queue");
        long deviceBefore = tunTxDropped();
        // 3,000 datagrams to a pod behind the kernel host, into a queue of 1,000 that nobody reads.
        whileWeftIsStopped(() -> sendBurst(net.a, hostB.vtepIp(), 9, 3000, 200));
        long counted = weft.counter("drop_kernel_tun_queue") - weftBefore;
        long deviceCounted = tunTxDropped() - deviceBefore;
        assertThat(deviceCounted).as("the kernel dropped what its queue could not hold").isGreaterThanOrEqualTo(1000);
        assertThat(counted).as("weft's count; stats: %s", weft.stats()).isEqualTo(deviceCounted);
        assertThat(Traffic.ping(net.a, hostB.vtepIp(), 56, false).requireOk().output()).contains(" 0% packet loss");
    }

    @Test
    void datagramsTheSocketDroppedWhileWeftWasNotReadingAreCountedAsTheSocketCountsThem() throws Exception {
        long weftBefore = weft.counter("drop_kernel_socket");
        long socketBefore = socketDrops();
        // 20,000 datagrams of 1,400 bytes from the kernel host: 28 MB against weft's 8 MB receive buffer.
        whileWeftIsStopped(() -> sendBurst(net.b, hostA.underlayIp(), PORT, 20_000, 1400));
        long counted = weft.counter("drop_kernel_socket") - weftBefore;
        long socketCounted = socketDrops() - socketBefore;
        assertThat(socketCounted).as("the kernel dropped what the socket's buffer could not hold").isPositive();
        assertThat(counted).as("weft's count; stats: %s", weft.stats()).isEqualTo(socketCounted);
        assertThat(Traffic.ping(net.b, hostA.vtepIp(), 56, false).requireOk().output()).contains(" 0% packet loss");
    }

    private interface Burst {
        void send() throws Exception;
    }

    private void whileWeftIsStopped(Burst burst) throws Exception {
        String pid = Long.toString(weft.process().pid());
        Cmd.run(5, "kill", "-STOP", pid).requireOk();
        try {
            burst.send();
        } finally {
            Cmd.run(5, "kill", "-CONT", pid).requireOk();
        }
    }

    /** {@code count} datagrams of {@code size} bytes as fast as socat sends them (it sends each block it reads as one). */
    private static void sendBurst(Netns from, String toIp, int port, int count, int size) throws Exception {
        Path file = Files.createTempFile("wdp-burst", ".bin");
        try {
            Files.write(file, new byte[count * size]);
            from.exec(60, "socat", "-u", "-b", Integer.toString(size), "OPEN:" + file, "UDP-SENDTO:" + toIp + ":" + port)
                    .requireOk();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The TUN's TX dropped, as {@code ip -s link} reports it. */
    private long tunTxDropped() {
        String json = net.a.exec(5, "ip", "-j", "-s", "link", "show", "dev", TUN).requireOk().output();
        Matcher m = Pattern.compile("\"tx\":\\{[^}]*\"dropped\":(\\d+)").matcher(json);
        assertThat(m.find()).as("TX dropped in %s", json).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** The drops of the sockets on the VXLAN port in host A, as {@code ss -m} reports them ({@code skmem:(...,d<n>)}). */
    private long socketDrops() {
        String out = net.a.exec(5, "ss", "-H", "-u", "-a", "-n", "-m", "sport = :" + PORT).requireOk().output();
        Matcher m = Pattern.compile("skmem:\\([^)]*,d(\\d+)\\)").matcher(out);
        long sum = 0;
        int sockets = 0;
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
            sockets++;
        }
        assertThat(sockets).as("weft's socket in %s", out).isEqualTo(1);
        return sum;
    }
}
