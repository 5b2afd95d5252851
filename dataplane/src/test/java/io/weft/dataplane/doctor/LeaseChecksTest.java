package io.weft.dataplane.doctor;

import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LeaseChecksTest {
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";

    private static Lease lease(String subnet, String publicIp) {
        return new Lease(Subnet.parse(subnet), (Inet4Address) Subnet.parseAddress(publicIp), null, null, "vxlan",
                new BackendData(1, MacAddress.parse("0a:00:00:00:00:01")), null, null);
    }

    @Test
    void listsOverlapsAndLeasesOutsideTheNetwork() throws Exception {
        List<Finding> f = LeaseChecks.check(NetworkConfig.parse(CONFIG), List.of(
                lease("10.244.1.0/24", "192.168.64.1"),
                lease("10.244.16.0/22", "192.168.64.16"),
                lease("10.244.18.0/24", "192.168.64.18"),
                lease("10.245.1.0/24", "192.168.64.245"),
                lease("10.244.0.0/20", "192.168.64.20")), Subnet.parse("10.244.1.0/24"));

        assertThat(f).extracting(Finding::check, Finding::status).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("lease-refused", Finding.Status.WARN),
                org.assertj.core.groups.Tuple.tuple("lease-refused", Finding.Status.WARN),
                org.assertj.core.groups.Tuple.tuple("lease-overlap", Finding.Status.WARN));
        assertThat(f).anySatisfy(x -> assertThat(x.message()).contains("10.245.1.0-24", "outside Network 10.244.0.0/16"));
        assertThat(f).anySatisfy(x -> assertThat(x.message()).contains("10.244.0.0-20", "overlaps our own subnet 10.244.1.0/24"));
        assertThat(f).anySatisfy(x -> assertThat(x.message()).contains("10.244.16.0-22", "10.244.18.0-24",
                "10.244.18.0/24 goes to 192.168.64.18"));
        assertThat(f).allSatisfy(x -> assertThat(x.fix()).contains("etcdctl del"));
    }

    @Test
    void saysSoWhenAllLeasesAreFine() throws Exception {
        List<Finding> f = LeaseChecks.check(NetworkConfig.parse(CONFIG), List.of(
                lease("10.244.1.0/24", "192.168.64.1"), lease("10.244.2.0/24", "192.168.64.2")), Subnet.parse("10.244.1.0/24"));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.status()).isEqualTo(Finding.Status.OK);
            assertThat(x.message()).isEqualTo("1 peer lease(s), none outside Network 10.244.0.0/16, none overlapping another or ours");
        });
    }

    /**
     * An IPv6-only network: every lease's IPv4 half is 0.0.0.0/0, so only our IPv6 subnet tells ours apart; ours is no
     * peer, the others are fine, and a lease over our IPv6 subnet is refused.
     */
    @Test
    void anIpv6OnlyNetworkIsCheckedByItsIpv6Subnets() throws Exception {
        NetworkConfig config = NetworkConfig.parse("{\"EnableIPv4\":false,\"EnableIPv6\":true,"
                + "\"IPv6Network\":\"fd00:20:244::/56\",\"Backend\":{\"Type\":\"vxlan\"}}");
        List<Lease> leases = List.of(LeaseOwnerTest.ipv6Only("fd00:20:244:1::/64", "fd98::1"),
                LeaseOwnerTest.ipv6Only("fd00:20:244:2::/64", "fd98::2"), LeaseOwnerTest.ipv6Only("fd00:20:244:3::/64", "fd98::3"));
        assertThat(LeaseChecks.check(config, leases, null, Subnet.parse("fd00:20:244:2::/64"))).singleElement()
                .satisfies(x -> {
                    assertThat(x.status()).isEqualTo(Finding.Status.OK);
                    assertThat(x.message()).isEqualTo("2 peer lease(s), none outside IPv6Network fd00:20:244::/56,"
                            + " none overlapping another or ours");
                });
        List<Finding> over = LeaseChecks.check(config, List.of(leases.get(0),
                LeaseOwnerTest.ipv6Only("fd00:20:244:2::/63", "fd98::9")), null, Subnet.parse("fd00:20:244:2::/64"));
        assertThat(over).singleElement().satisfies(x -> {
            assertThat(x.check()).isEqualTo("lease-refused");
            assertThat(x.message()).contains("overlaps our own subnet fd00:20:244:2::/64");
        });
    }
}
