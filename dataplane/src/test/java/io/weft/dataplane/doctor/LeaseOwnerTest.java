package io.weft.dataplane.doctor;

import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;

import static org.assertj.core.api.Assertions.assertThat;

class LeaseOwnerTest {
    /** An IPv6-only network's lease as flanneld writes it: IPv4 half 0.0.0.0/0 and PublicIP 0.0.0.0. */
    static Lease ipv6Only(String ipv6Subnet, String publicIpv6) {
        return new Lease(Subnet.parse("0.0.0.0/0"), (Inet4Address) Subnet.parseAddress("0.0.0.0"), Subnet.parse(ipv6Subnet),
                (Inet6Address) Subnet.parseAddress(publicIpv6), "vxlan", null,
                new BackendData(1, MacAddress.parse("0a:00:00:00:00:02")), null);
    }

    @Test
    void onAnIpv6OnlyNetworkOurLeaseIsTheOneWithOurPublicIpv6() {
        Lease ours = ipv6Only("fd00:20:244:2::/64", "fd98::2");
        Lease theirs = ipv6Only("fd00:20:244:1::/64", "fd98::1");
        LeaseOwner owner = LeaseOwner.byPublicIpv6("fd98:0:0::2");
        assertThat(owner.holds(ours)).isTrue();
        assertThat(owner.holds(theirs)).isFalse();
        assertThat(owner.describe()).isEqualTo("PublicIPv6 fd98::2");
        assertThat(LeaseOwner.byPublicIp("0.0.0.0").holds(theirs)).as("the placeholder tells no lease apart").isTrue();
    }

    @Test
    void byPublicIpAsBeforeAndUnknownIsNull() {
        Lease v4 = new Lease(Subnet.parse("10.244.1.0/24"), (Inet4Address) Subnet.parseAddress("192.168.64.1"), null, null,
                "vxlan", new BackendData(1, MacAddress.parse("0a:00:00:00:00:01")), null, null);
        assertThat(LeaseOwner.byPublicIp("192.168.64.1").holds(v4)).isTrue();
        assertThat(LeaseOwner.byPublicIpv6("fd98::1").holds(v4)).isFalse();
        assertThat(LeaseOwner.byPublicIp("192.168.64.1").describe()).isEqualTo("PublicIP 192.168.64.1");
        assertThat(LeaseOwner.byPublicIp(null)).isNull();
        assertThat(LeaseOwner.byPublicIpv6(" ")).isNull();
    }
}
