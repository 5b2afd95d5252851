package io.weft.dataplane.agent;

import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.InheritedFds;
import io.weft.dataplane.Ipv6Overlay;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class EarlyFdsTest {
    private static final Ipv6Overlay V6 = new Ipv6Overlay(Subnet.parse("fd00:10:244:3::/64"), Subnet.parse("fd00:10:244::/56"),
            MacAddress.parse("02:aa:bb:cc:dd:61"), null, 1430);

    @Test
    void theAttachFileNamesTheDeviceTheQueuesAndBothUnderlaysSockets() throws Exception {
        DataPlaneConfig dual = new DataPlaneConfig("weft.1", 1450, 1, 8472, MacAddress.parse("02:aa:bb:cc:dd:01"),
                Subnet.parse("10.244.3.0/24"), Subnet.parse("10.244.0.0/16"), 2, false, false, true,
                (Inet4Address) InetAddress.getByName("10.98.0.1"), V6);
        Properties p = new Properties();
        p.load(new StringReader(EarlyFds.describe(dual)));
        assertThat(p).containsEntry("device", "weft.1").containsEntry("workers", "2").containsEntry("offloads", "true")
                .containsEntry("port", "8472").containsEntry("ipv4.bind", "10.98.0.1").containsEntry("ipv6.bind", "::");

        DataPlaneConfig v4 = new DataPlaneConfig("weft.1", 1450, 1, 8472, MacAddress.parse("02:aa:bb:cc:dd:01"),
                Subnet.parse("10.244.3.0/24"), Subnet.parse("10.244.0.0/16"), 1, false, false);
        Properties q = new Properties();
        q.load(new StringReader(EarlyFds.describe(v4)));
        assertThat(q).containsEntry("ipv4.bind", "0.0.0.0").doesNotContainKey("ipv6.bind").containsEntry("offloads", "false");
    }

    @Test
    void withoutTheFileOrTheDeviceNothingIsAttachedOrBound(@TempDir Path dir) throws Exception {
        assertThat(EarlyFds.open(dir)).isEqualTo(InheritedFds.NONE);
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Files.writeString(dir.resolve(EarlyFds.FILE), "device=weft-gone9\nworkers=1\noffloads=true\nport=" + port
                + "\nipv4.bind=127.0.0.1\n");
        assertThat(EarlyFds.open(dir)).as("no such TUN device: nothing to attach").isEqualTo(InheritedFds.NONE);
        try (DatagramSocket free = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
            assertThat(free.isBound()).as("the port was left to the data plane").isTrue();
        }
        Files.writeString(dir.resolve(EarlyFds.FILE), "garbage");
        assertThat(EarlyFds.open(dir)).isEqualTo(InheritedFds.NONE);
    }

    @Test
    void socketAddressesAreLaidOutAsTheKernelReadsThem() throws Exception {
        byte[] v4 = EarlyFds.sockaddr(InetAddress.getByName("10.98.0.1"), 8472);
        assertThat(v4).hasSize(16).startsWith(2, 0, 0x21, 0x18, 10, 98, 0, 1);
        byte[] v6 = EarlyFds.sockaddr((Inet6Address) InetAddress.getByName("fd98::1"), 8472);
        assertThat(v6).hasSize(28).startsWith(10, 0, 0x21, 0x18, 0, 0, 0, 0, (byte) 0xfd, (byte) 0x98);
        assertThat(v6[23]).isEqualTo((byte) 1);
    }
}
