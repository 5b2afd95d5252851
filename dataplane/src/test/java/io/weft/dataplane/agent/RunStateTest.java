package io.weft.dataplane.agent;

import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.Ipv6Overlay;
import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RunStateTest {
    static final DataPlaneConfig CONFIG = new DataPlaneConfig("weft.1", 1450, 1, 8472, MacAddress.parse("02:aa:bb:cc:dd:01"),
            Subnet.parse("10.244.3.0/24"), Subnet.parse("10.244.0.0/16"), 2, false, false, true);

    static Lease lease(String subnet, String publicIp, String mac) throws Exception {
        return new Lease(Subnet.parse(subnet), (Inet4Address) InetAddress.getByName(publicIp), null, null, Lease.VXLAN,
                new BackendData(1, MacAddress.parse(mac)), null, null);
    }

    @Test
    void whatIsWrittenIsReadBackWholeAndTheTemporaryFileIsGone(@TempDir Path dir) throws Exception {
        RunState s = new RunState(CONFIG, new RunState.HostSetup("10.244.3.0/24", true, true, false, false),
                List.of(lease("10.244.7.0/24", "10.98.0.2", "02:aa:bb:cc:dd:02")));
        s.write(dir.resolve("run"));
        RunState back = RunState.read(dir.resolve("run"));
        assertThat(back).isEqualTo(s);
        try (var files = Files.list(dir.resolve("run"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("state.json");
        }
        s.withLeases(List.of()).write(dir.resolve("run"));
        assertThat(RunState.read(dir.resolve("run")).leases()).isEmpty();
    }

    /** The sockets' source address is part of the config: without it every restart would reprogram. */
    @Test
    void theSourceAddressIsKeptAndAChangeOfItIsNamed(@TempDir Path dir) throws Exception {
        Inet4Address secondary = (Inet4Address) InetAddress.getByName("10.98.0.7");
        DataPlaneConfig bound = new DataPlaneConfig("weft.1", 1450, 1, 8472, CONFIG.vtepMac(), CONFIG.localSubnet(),
                CONFIG.network(), 2, false, false, true, secondary);
        RunState s = new RunState(bound, new RunState.HostSetup(null, false, true, false, false), List.of());
        s.write(dir.resolve("run"));
        assertThat(RunState.read(dir.resolve("run")).dataPlane()).isEqualTo(bound);
        assertThat(WarmStart.differences(CONFIG, bound, true)).isEqualTo("sending from any address");
        assertThat(WarmStart.differences(CONFIG, bound, false)).isEqualTo("sending from 10.98.0.7");
    }

    /** A dual-stack or IPv6-only run is warm-started as it ran: its IPv6 half and its peers' IPv6 parts come back. */
    @Test
    void theIpv6HalfAndAnIpv6OnlyConfigAreKeptAndAChangeOfThemIsNamed(@TempDir Path dir) throws Exception {
        Ipv6Overlay v6 = new Ipv6Overlay(Subnet.parse("fd00:10:244:3::/64"), Subnet.parse("fd00:10:244::/56"),
                MacAddress.parse("02:aa:bb:cc:dd:61"), (Inet6Address) InetAddress.getByName("fd98::1"), 1430);
        DataPlaneConfig dual = new DataPlaneConfig("weft.1", 1450, 1, 8472, CONFIG.vtepMac(), CONFIG.localSubnet(),
                CONFIG.network(), 2, false, false, true, null, v6);
        Lease peer = new Lease(Subnet.parse("10.244.7.0/24"), (Inet4Address) InetAddress.getByName("10.98.0.2"),
                Subnet.parse("fd00:10:244:7::/64"), (Inet6Address) InetAddress.getByName("fd98::2"), Lease.VXLAN,
                new BackendData(1, MacAddress.parse("02:aa:bb:cc:dd:02")),
                new BackendData(1, MacAddress.parse("02:aa:bb:cc:dd:62")), null);
        // -ip-blackhole-route keeps a route for each family's subnet: both are named in the state, for cleanup
        RunState s = new RunState(dual, new RunState.HostSetup("10.244.3.0/24", true, true, false, false,
                "fd00:10:244:3::/64"), List.of(peer));
        s.write(dir.resolve("run"));
        assertThat(RunState.read(dir.resolve("run"))).isEqualTo(s);
        assertThat(RunState.read(dir.resolve("run")).setup().blackholeV6()).isEqualTo("fd00:10:244:3::/64");
        assertThat(WarmStart.differences(CONFIG, dual, true)).isEqualTo("no IPv6");
        assertThat(WarmStart.differences(CONFIG, dual, false))
                .isEqualTo("IPv6 subnet fd00:10:244:3::/64 in fd00:10:244::/56 (VtepMAC 02:aa:bb:cc:dd:61, MTU 1430)");

        DataPlaneConfig v6Only = new DataPlaneConfig("weft.1", 1430, 1, 8472, v6.vtepMac(), null, null, 2, false, false,
                true, null, v6);
        RunState only = new RunState(v6Only, new RunState.HostSetup(null, true, false, false, false), List.of());
        only.write(dir.resolve("run"));
        assertThat(RunState.read(dir.resolve("run"))).isEqualTo(only);
        assertThat(RunState.read(dir.resolve("run")).dataPlane().hasIpv4()).isFalse();
    }

    @Test
    void aMissingOrDamagedFileIsAColdStart(@TempDir Path dir) throws Exception {
        assertThat(RunState.read(dir)).isNull();
        Files.writeString(dir.resolve("state.json"), "{\"format\":1,\"dataPlane\":{\"device\":\"weft.1\"");
        assertThat(RunState.read(dir)).isNull();
        Files.writeString(dir.resolve("state.json"), "{\"format\":99}");
        assertThat(RunState.read(dir)).isNull();
    }

    @Test
    void theReprogrammingLineNamesWhatChanged() {
        DataPlaneConfig other = new DataPlaneConfig("weft.1", 1400, 1, 8472, CONFIG.vtepMac(), Subnet.parse("10.244.9.0/24"),
                CONFIG.network(), 2, false, false, true);
        assertThat(WarmStart.differences(CONFIG, other, true)).isEqualTo("subnet 10.244.3.0/24, MTU 1450");
        assertThat(WarmStart.differences(CONFIG, other, false)).isEqualTo("subnet 10.244.9.0/24, MTU 1400");
    }
}
