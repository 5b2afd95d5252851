package io.weft.dataplane.agent;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The IPv6 underlay address as flanneld's LookupExtIface picks it for a dual-stack network. */
class Ipv6UnderlayTest {
    /** {@code ip -o -6 addr show} on a host with two uplinks, as iproute2 prints it. */
    private static final HostIpv6Addresses HOST = HostIpv6Addresses.parse(String.join("\n",
            "1: lo    inet6 ::1/128 scope host noprefixroute \\       valid_lft forever preferred_lft forever",
            "2: eth0    inet6 fe80::1/64 scope link \\       valid_lft forever preferred_lft forever",
            "2: eth0    inet6 2001:db8::aaaa/64 scope global temporary dynamic \\       valid_lft 600sec preferred_lft 300sec",
            "2: eth0    inet6 2001:db8::5/64 scope global dynamic mngtmpaddr \\       valid_lft 2591sec preferred_lft 604sec",
            "2: eth0    inet6 2001:db8:0:1::5/64 scope global \\       valid_lft forever preferred_lft forever",
            "2: eth0    inet6 2001:db8:0:9::5/64 scope global deprecated \\       valid_lft forever preferred_lft 0sec",
            "3: eth1    inet6 fd00:77::3/64 scope global \\       valid_lft forever preferred_lft forever",
            "4: eth2    inet6 fe80::2/64 scope link \\       valid_lft forever preferred_lft forever"));

    private static String text(java.net.Inet6Address a) {
        return Subnet.formatAddress(a);
    }

    @Test
    void addressesAreInFlannelsOrderWithoutLoopbackOrDeprecatedOnes() {
        assertThat(HOST.on("eth0").stream().map(Ipv6UnderlayTest::text))
                .containsExactly("2001:db8:0:1::5", "2001:db8::5", "2001:db8::aaaa", "fe80::1");
        assertThat(HOST.on("lo")).isEmpty();
        assertThat(HOST.owner((java.net.Inet6Address) Subnet.parseAddress("fd00:77::3"))).isEqualTo("eth1");
    }

    @Test
    void withoutFlagsTheInterfacesFirstAddressIsUsedAndAdvertised() throws Exception {
        Ipv6Underlay u = Ipv6Underlay.choose("eth0", List.of(), List.of(), null, HOST);
        assertThat(text(u.local())).isEqualTo("2001:db8:0:1::5");
        assertThat(u.advertised()).isEqualTo(u.local());
        assertThat(text(Ipv6Underlay.choose("eth2", List.of(), List.of(), null, HOST).local()))
                .as("a link-local address is still an address").isEqualTo("fe80::2");
    }

    @Test
    void ifaceGivenAsAnIpv6AddressOrARegexPicksThatAddress() throws Exception {
        assertThat(text(Ipv6Underlay.choose("eth0", List.of("10.0.0.5", "2001:db8::5"), List.of(), null, HOST).local()))
                .isEqualTo("2001:db8::5");
        assertThat(text(Ipv6Underlay.choose("eth0", List.of(), List.of("^2001:db8::a"), null, HOST).local()))
                .isEqualTo("2001:db8::aaaa");
        assertThat(text(Ipv6Underlay.choose("eth0", List.of(), List.of("^10\\."), null, HOST).local()))
                .as("a regex that matched the IPv4 address only").isEqualTo("2001:db8:0:1::5");
    }

    @Test
    void aLocalPublicIpv6IsUsedAndANatOneIsAdvertisedWhenTheInterfaceIsNamed() throws Exception {
        Ipv6Underlay local = Ipv6Underlay.choose("eth0", List.of(), List.of(), "2001:db8::5", HOST);
        assertThat(text(local.local())).isEqualTo("2001:db8::5");
        assertThat(text(local.advertised())).isEqualTo("2001:db8::5");
        Ipv6Underlay nat = Ipv6Underlay.choose("eth0", List.of("eth0"), List.of(), "2001:db8:ffff::5", HOST);
        assertThat(text(nat.local())).isEqualTo("2001:db8:0:1::5");
        assertThat(text(nat.advertised())).isEqualTo("2001:db8:ffff::5");
    }

    @Test
    void eachMistakeIsOneLineSayingWhatToDo() {
        assertRefused("eth0", List.of(), "2001:db8:ffff::5", "-public-ipv6 2001:db8:ffff::5 is not an address of this"
                + " host; give an address of eth0, or name the interface with -iface (then a NAT's address may be advertised)");
        assertRefused("eth0", List.of(), "fd00:77::3", "-public-ipv6 fd00:77::3 is an address of eth1, but the underlay"
                + " interface is eth0; flanneld needs both families on one interface: choose it with -iface eth1, or give"
                + " an IPv6 address of eth0");
        assertRefused("eth0", List.of(), "10.0.0.5", "-public-ipv6 10.0.0.5: not an IPv6 address; give this host's"
                + " address that peers reach over IPv6");
        assertRefused("lo", List.of(), null, "interface lo has no usable IPv6 address (global or link-local, not"
                + " deprecated), and the network config enables IPv6: give lo an IPv6 address, or set \"EnableIPv6\": false");
        assertRefused("eth0", List.of("(["), null, "-iface-regex ([: not a regular expression (Unclosed character class)");
    }

    private static void assertRefused(String iface, List<String> regexes, String publicIpv6, String message) {
        assertThatThrownBy(() -> Ipv6Underlay.choose(iface, List.of(), regexes, publicIpv6, HOST))
                .isInstanceOf(ExternalInterface.NotFound.class).hasMessage(message);
    }
}
