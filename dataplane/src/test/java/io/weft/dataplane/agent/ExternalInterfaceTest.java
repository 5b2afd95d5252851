package io.weft.dataplane.agent;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The underlay choice in flanneld's order, over a host described as iproute2 prints it. */
class ExternalInterfaceTest {
    private static final String LINKS = String.join("\n",
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00",
            "2: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default\\    link/ether 02:00:00:00:00:01",
            "3: eth10: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP mode DEFAULT group default\\    link/ether 02:00:00:00:00:02",
            "4: bond0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP mode DEFAULT group default\\    link/ether 02:00:00:00:00:03",
            "5: dummy9: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default\\    link/ether 02:00:00:00:00:04");
    private static final String ADDRS = String.join("\n",
            "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
            "2: eth0    inet 169.254.3.3/16 scope link eth0\\       valid_lft forever preferred_lft forever",
            "2: eth0    inet 192.168.1.20/24 brd 192.168.1.255 scope global dynamic eth0\\       valid_lft 3000sec preferred_lft 3000sec",
            "2: eth0    inet 192.168.1.10/24 brd 192.168.1.255 scope global eth0\\       valid_lft forever preferred_lft forever",
            "3: eth10    inet 10.1.0.5/16 scope global eth10\\       valid_lft forever preferred_lft forever",
            "4: bond0    inet 172.16.0.9/24 scope global bond0\\       valid_lft forever preferred_lft forever");
    private static final HostInterfaces HOST = HostInterfaces.parse(LINKS, ADDRS);
    private static final Map<String, String> ROUTES = Map.of(
            "172.16.0.1", "172.16.0.1 dev bond0 src 172.16.0.9 uid 0 \\    cache ",
            "10.1.200.1", "10.1.200.1 dev eth10 src 10.1.0.5 uid 0 \\    cache ");

    private static ExternalInterface choose(List<String> ifaces, List<String> regexes, String canReach, String publicIp)
            throws ExternalInterface.NotFound {
        return ExternalInterface.choose(new ExternalInterface.Rules(ifaces, regexes, canReach, publicIp), HOST,
                ROUTES::get, "eth0");
    }

    @Test
    void addressesAreOrderedAsFlanneldPrefersThem() {
        assertThat(HOST.byName("eth0").orElseThrow().addresses()).extracting(a -> a.getHostAddress())
                .containsExactly("192.168.1.10", "192.168.1.20", "169.254.3.3");
        assertThat(HOST.byName("lo").orElseThrow().addresses()).isEmpty();
        assertThat(HOST.byName("eth0").orElseThrow().mtu()).isEqualTo(1500);
    }

    @Test
    void noRuleTakesTheDefaultRouteInterfaceAndItsPermanentGlobalAddress() throws Exception {
        assertThat(choose(List.of(), List.of(), null, null))
                .isEqualTo(new ExternalInterface("eth0", addr("192.168.1.10"), 1500));
    }

    @Test
    void ifaceTakesANameOrAnAddressAndFallsThroughToTheRegex() throws Exception {
        assertThat(choose(List.of("eth10"), List.of(), null, null).address()).isEqualTo(addr("10.1.0.5"));
        assertThat(choose(List.of("192.168.1.20"), List.of(), null, null))
                .isEqualTo(new ExternalInterface("eth0", addr("192.168.1.20"), 1500));
        assertThat(choose(List.of("eth9", "dummy9"), List.of("^bond"), null, null).name()).isEqualTo("bond0");
    }

    @Test
    void aRegexMatchesAddressesOfEveryInterfaceBeforeNames() throws Exception {
        // "1" appears in eth0's name? no: it matches eth10's name, but eth0's address 192.168.1.10 comes first.
        assertThat(choose(List.of(), List.of("^eth[0-9]{1,2}$"), null, null).name()).isEqualTo("eth0");
        assertThat(choose(List.of(), List.of("^10\\.1\\."), null, null).name()).isEqualTo("eth10");
        assertThat(choose(List.of(), List.of("nomatch", "^eth1[0-9]$"), null, null).name()).isEqualTo("eth10");
        assertThat(choose(List.of(), List.of("192\\.168\\.1\\.2"), null, null).address()).isEqualTo(addr("192.168.1.20"));
    }

    @Test
    void canReachTakesTheRouteInterfaceAfterTheOtherRules() throws Exception {
        assertThat(choose(List.of(), List.of(), "172.16.0.1", null))
                .isEqualTo(new ExternalInterface("bond0", addr("172.16.0.9"), 1450));
        assertThat(choose(List.of("eth9"), List.of("^wlan"), "10.1.200.1", null).name()).isEqualTo("eth10");
    }

    @Test
    void rulesThatMatchNothingFailNamingThemAsFlanneldDoes() {
        assertThatThrownBy(() -> choose(List.of("eth9"), List.of("^wlan"), "203.0.113.1", null))
                .hasMessageContaining("no interface matches -iface eth9, -iface-regex ^wlan, -iface-can-reach 203.0.113.1")
                .hasMessageContaining("eth0 192.168.1.10");
        assertThatThrownBy(() -> choose(List.of(), List.of("eth[0-9"), null, null))
                .hasMessageContaining("-iface-regex eth[0-9 is not a regular expression");
    }

    @Test
    void publicIpAloneTakesItsInterfaceWhenLocalElseTheDefaultRoute() throws Exception {
        assertThat(choose(List.of(), List.of(), null, "172.16.0.9"))
                .isEqualTo(new ExternalInterface("bond0", addr("172.16.0.9"), 1450));
        assertThat(choose(List.of(), List.of(), null, "203.0.113.7"))
                .isEqualTo(new ExternalInterface("eth0", addr("192.168.1.10"), 1500));
    }

    /** flanneld's device local: the PublicIP when this host holds it, else the interface address (a NAT's is not ours). */
    @Test
    void packetsAreSentFromThePublicIpWhenItIsLocalElseFromTheInterfaceAddress() throws Exception {
        ExternalInterface eth0 = choose(List.of("eth0"), List.of(), null, null);
        assertThat(eth0.sourceAddress(addr("192.168.1.20"), HOST)).isEqualTo(addr("192.168.1.20"));
        assertThat(eth0.sourceAddress(addr("203.0.113.7"), HOST)).isEqualTo(addr("192.168.1.10"));
        assertThat(eth0.sourceAddress(addr("192.168.1.10"), HOST)).isEqualTo(addr("192.168.1.10"));
        ExternalInterface secondary = choose(List.of("192.168.1.20"), List.of(), null, null);
        assertThat(secondary.sourceAddress(secondary.address(), HOST)).isEqualTo(addr("192.168.1.20"));
    }

    private static java.net.Inet4Address addr(String s) {
        return (java.net.Inet4Address) io.weft.fdb.Subnet.parseAddress(s);
    }
}
