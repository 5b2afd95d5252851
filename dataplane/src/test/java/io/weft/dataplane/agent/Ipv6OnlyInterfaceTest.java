package io.weft.dataplane.agent;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The underlay interface of an IPv6-only network, chosen by IPv6 as flanneld's LookupExtIface does for its IPv6 stack,
 * on a host whose uplink eth0 has no IPv4 address and whose only IPv4 interface (mgmt0) is not the way out.
 */
class Ipv6OnlyInterfaceTest {
    private static final String LINKS = String.join("\n",
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00",
            "2: mgmt0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default\\    link/ether 02:00:00:00:00:01",
            "3: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP mode DEFAULT group default\\    link/ether 02:00:00:00:00:02",
            "4: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP mode DEFAULT group default\\    link/ether 02:00:00:00:00:03");
    private static final String ADDRS4 =
            "2: mgmt0    inet 10.98.0.2/24 scope global mgmt0\\       valid_lft forever preferred_lft forever";
    private static final String ADDRS6 = String.join("\n",
            "1: lo    inet6 ::1/128 scope host noprefixroute \\       valid_lft forever preferred_lft forever",
            "2: mgmt0    inet6 fe80::1/64 scope link \\       valid_lft forever preferred_lft forever",
            "3: eth0    inet6 fd98::2/64 scope global nodad \\       valid_lft forever preferred_lft forever",
            "3: eth0    inet6 fe80::2/64 scope link \\       valid_lft forever preferred_lft forever",
            "4: eth1    inet6 2001:db8:7::9/64 scope global \\       valid_lft forever preferred_lft forever");
    private static final HostInterfaces LINKS_VIEW = HostInterfaces.parse(LINKS, ADDRS4);
    private static final HostIpv6Addresses ADDRS_VIEW = HostIpv6Addresses.parse(ADDRS6);
    private static final Map<String, String> ROUTES = Map.of(
            "2001:db8:7::1", "2001:db8:7::1 from :: dev eth1 proto kernel src 2001:db8:7::9 metric 256 pref medium");

    private static ExternalInterface choose(List<String> ifaces, List<String> regexes, String canReach,
                                            String publicIpv6, String defaultRoute) throws ExternalInterface.NotFound {
        return Ipv6OnlyInterface.choose(new ExternalInterface.Rules(ifaces, regexes, canReach, null), publicIpv6,
                LINKS_VIEW, ADDRS_VIEW, ROUTES::get, defaultRoute);
    }

    @Test
    void noRuleTakesTheIpv6DefaultRouteInterfaceWhichNeedsNoIpv4Address() throws Exception {
        assertThat(choose(List.of(), List.of(), null, null, "eth0")).isEqualTo(new ExternalInterface("eth0", null, 9000));
        assertThat(choose(List.of(), List.of(), null, null, "eth0").describe()).isEqualTo("eth0");
    }

    @Test
    void aLocalPublicIpv6NamesItsInterfaceWhenNoRuleDoes() throws Exception {
        assertThat(choose(List.of(), List.of(), null, "2001:db8:7::9", "eth0").name()).isEqualTo("eth1");
        assertThat(choose(List.of(), List.of(), null, "2001:db8:ffff::1", "eth0").name())
                .as("a NAT's address: the default route decides").isEqualTo("eth0");
    }

    @Test
    void ifaceTakesANameOrAnIpv6AddressButNotAnIpv4One() throws Exception {
        assertThat(choose(List.of("eth1"), List.of(), null, null, "eth0").name()).isEqualTo("eth1");
        assertThat(choose(List.of("fd98::2"), List.of(), null, null, null).name()).isEqualTo("eth0");
        assertThat(choose(List.of("10.98.0.2", "eth1"), List.of(), null, null, null).name())
                .as("an IPv4 address matches nothing on an IPv6-only network").isEqualTo("eth1");
    }

    @Test
    void aRegexMatchesIpv6AddressesOfEveryInterfaceBeforeNames() throws Exception {
        assertThat(choose(List.of(), List.of("^2001:db8:7:"), null, null, null).name()).isEqualTo("eth1");
        assertThat(choose(List.of(), List.of("^mgmt"), null, null, null).name()).isEqualTo("mgmt0");
        assertThatThrownBy(() -> choose(List.of(), List.of("^10\\.98\\."), null, null, "eth0"))
                .as("IPv4 addresses are not matched").hasMessageContaining("no interface matches -iface-regex");
    }

    @Test
    void canReachFollowsTheIpv6Route() throws Exception {
        assertThat(choose(List.of(), List.of(), "2001:db8:7::1", null, null).name()).isEqualTo("eth1");
        assertThatThrownBy(() -> choose(List.of(), List.of(), "10.98.0.254", null, null))
                .hasMessageContaining("-iface-can-reach 10.98.0.254 is not an IPv6 address");
    }

    @Test
    void noMatchAndNoDefaultRouteAreOneLineEach() {
        assertThatThrownBy(() -> choose(List.of("eth9"), List.of(), null, null, "eth0"))
                .hasMessageContaining("no interface matches -iface eth9")
                .hasMessageContaining("IPv6-only")
                .hasMessageContaining("eth0 fd98::2");
        assertThatThrownBy(() -> choose(List.of(), List.of(), null, null, null))
                .hasMessageContaining("no IPv6 default route")
                .hasMessageContaining("-iface");
    }

    @Test
    void theDefaultRouteIsReadFromProcSkippingTheKernelsUnreachableOnLo() {
        String procRoutes = String.join("\n",
                "fd980000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0",
                "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo",
                "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd980000000000000000000000000001 00000400 00000001 00000000 00000003     eth0");
        assertThat(Ipv6OnlyInterface.defaultRouteInterface(procRoutes)).isEqualTo("eth0");
        assertThat(Ipv6OnlyInterface.defaultRouteInterface(procRoutes.lines().limit(2)
                .reduce((a, b) -> a + "\n" + b).orElseThrow())).isNull();
    }

    @Test
    void anInterfaceWithoutIpv6IsRefusedInOneLineThatFitsAnIpv6OnlyNetwork() {
        HostIpv6Addresses none = HostIpv6Addresses.parse("");
        assertThatThrownBy(() -> Ipv6Underlay.choose("eth0", List.of(), List.of(), null, none, true))
                .hasMessageContaining("interface eth0 has no usable IPv6 address")
                .hasMessageContaining("IPv6-only")
                .hasMessageNotContaining("EnableIPv6");
    }
}
