package io.weft.fdb;

import io.weft.vtep.MacAddress;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ForwardingTableTest {
    private static final int PORT = 8472;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    static Lease lease(String subnet, String publicIp, String mac) {
        return new Lease(Subnet.parse(subnet), (Inet4Address) Subnet.parseAddress(publicIp), null, null, "vxlan",
                new BackendData(1, MacAddress.parse(mac)), null, null);
    }

    static Lease dualStack(String subnet, String publicIp, String mac, String v6Subnet, String publicIpv6, String v6Mac) {
        return new Lease(Subnet.parse(subnet), (Inet4Address) Subnet.parseAddress(publicIp), Subnet.parse(v6Subnet),
                (Inet6Address) Subnet.parseAddress(publicIpv6), "vxlan", new BackendData(1, MacAddress.parse(mac)),
                new BackendData(1, MacAddress.parse(v6Mac)), null);
    }

    static int v4(String text) {
        return Subnet.bytesToInt(Subnet.parseAddress(text).getAddress(), 0);
    }

    static Peer lookup(ForwardingTable t, String address) {
        return t.lookup(Subnet.parseAddress(address));
    }

    @Test
    void looksUpEveryAddressOfAPeerSubnetAndNothingOutside() {
        ForwardingTable t = ForwardingTable.build(Subnet.parse("10.244.1.0/24"), List.of(
                lease("10.244.2.0/24", "192.168.64.3", "c6:d2:32:6f:8f:44"),
                lease("10.244.3.0/24", "192.168.64.4", "c6:d2:32:6f:8f:45")), PORT);

        Peer p2 = lookup(t, "10.244.2.0");
        assertThat(p2).isNotNull();
        assertThat(p2.subnet()).isEqualTo(Subnet.parse("10.244.2.0/24"));
        assertThat(p2.vtepMac()).isEqualTo(MacAddress.parse("c6:d2:32:6f:8f:44"));
        assertThat(p2.vtepMacBits()).isEqualTo(0xc6d2_326f_8f44L);
        assertThat(p2.endpoint()).isEqualTo(new InetSocketAddress("192.168.64.3", PORT));
        assertThat(p2.endpointV4()).isEqualTo(v4("192.168.64.3"));
        assertThat(lookup(t, "10.244.2.255")).isSameAs(p2);
        assertThat(t.lookupV4(v4("10.244.2.77"))).isSameAs(p2);
        assertThat(lookup(t, "10.244.3.0").subnet()).isEqualTo(Subnet.parse("10.244.3.0/24"));
        assertThat(lookup(t, "10.244.3.255").subnet()).isEqualTo(Subnet.parse("10.244.3.0/24"));

        assertThat(lookup(t, "10.244.1.9")).as("local subnet").isNull();
        assertThat(lookup(t, "10.244.4.0")).as("just above the last peer").isNull();
        assertThat(lookup(t, "10.244.0.255")).as("just below the local subnet").isNull();
        assertThat(lookup(t, "10.245.2.1")).as("outside the network").isNull();
        assertThat(lookup(t, "fd00::1")).as("no IPv6 peers").isNull();
    }

    @Test
    void leavesOutTheLocalLeaseAndNonVxlanLeases() {
        Lease local = lease("10.244.1.0/24", "192.168.64.2", "0a:00:00:00:00:01");
        Lease hostGw = new Lease(Subnet.parse("10.244.5.0/24"), (Inet4Address) Subnet.parseAddress("192.168.64.5"),
                null, null, "host-gw", null, null, null);
        Lease udpWithData = new Lease(Subnet.parse("10.244.6.0/24"), (Inet4Address) Subnet.parseAddress("192.168.64.6"),
                null, null, "udp", new BackendData(1, MacAddress.parse("0a:00:00:00:00:06")), null, null);
        Lease vxlanNoData = new Lease(Subnet.parse("10.244.7.0/24"), (Inet4Address) Subnet.parseAddress("192.168.64.7"),
                null, null, "vxlan", null, null, null);
        Lease peer = lease("10.244.2.0/24", "192.168.64.3", "0a:00:00:00:00:02");

        ForwardingTable t = ForwardingTable.build(local.subnet(), List.of(local, hostGw, udpWithData, vxlanNoData, peer), PORT);

        assertThat(t.peers()).extracting(Peer::subnet).containsExactly(Subnet.parse("10.244.2.0/24"));
        assertThat(lookup(t, "10.244.1.1")).isNull();
        assertThat(lookup(t, "10.244.5.1")).isNull();
        assertThat(lookup(t, "10.244.6.1")).isNull();
        assertThat(lookup(t, "10.244.7.1")).isNull();
        assertThat(t.peerByUnderlayV4(v4("192.168.64.2"))).as("own PublicIP").isNull();
    }

    @Test
    void dualStackPeerIsFoundByEitherFamilyWithItsOwnV6VtepAndEndpoint() {
        Lease l = dualStack("10.244.2.0/24", "192.168.64.3", "c6:d2:32:6f:8f:44",
                "fd00:0:0:2::/64", "fd00:64::3", "c6:d2:32:6f:8f:66");
        ForwardingTable t = ForwardingTable.build(Subnet.parse("10.244.1.0/24"), Subnet.parse("fd00:0:0:1::/64"),
                List.of(l, dualStack("10.244.1.0/24", "192.168.64.2", "0a:00:00:00:00:01", "fd00:0:0:1::/64",
                        "fd00:64::2", "0a:00:00:00:00:02")), PORT);

        Peer p = lookup(t, "fd00:0:0:2::1234");
        assertThat(p).isNotNull().isSameAs(lookup(t, "10.244.2.9"));
        assertThat(lookup(t, "fd00:0:0:2:ffff:ffff:ffff:ffff")).isSameAs(p);
        assertThat(p.hasV4()).isTrue();
        assertThat(p.hasV6()).isTrue();
        assertThat(p.v6VtepMac()).isEqualTo(MacAddress.parse("c6:d2:32:6f:8f:66"));
        assertThat(p.v6VtepMacBits()).isEqualTo(0xc6d2_326f_8f66L);
        assertThat(p.endpointV6()).isEqualTo(new InetSocketAddress(Subnet.parseAddress("fd00:64::3"), PORT));
        assertThat(lookup(t, "fd00:0:0:1::5")).as("local IPv6 subnet").isNull();
        assertThat(lookup(t, "fd00:0:0:3::")).isNull();

        long hi = Subnet.bytesToLong(Subnet.parseAddress("fd00:64::3").getAddress(), 0);
        long lo = Subnet.bytesToLong(Subnet.parseAddress("fd00:64::3").getAddress(), 8);
        assertThat(t.peerByUnderlayV6(hi, lo)).isSameAs(p);
        assertThat(t.peerByUnderlayV6(hi, lo + 1)).isNull();
        assertThat(t.size()).isEqualTo(1);
    }

    @Test
    void ipv6OnlyLeasesAreAllKeptThoughTheirIpv4PartIsTheSamePlaceholder() {
        List<Lease> leases = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            leases.add(new Lease(Subnet.parse("0.0.0.0/0"), (Inet4Address) Subnet.parseAddress("0.0.0.0"),
                    Subnet.parse("fd00:0:0:" + i + "::/64"), (Inet6Address) Subnet.parseAddress("fd00:64::" + i), "vxlan",
                    new BackendData(1, MacAddress.parse("0a:00:00:00:00:0" + i)),
                    new BackendData(1, MacAddress.parse("0a:00:00:00:66:0" + i)), null));
        }
        ForwardingTable t = ForwardingTable.build(null, Subnet.parse("fd00:0:0:1::/64"), leases, PORT);

        assertThat(t.peers()).extracting(Peer::ipv6Subnet)
                .containsExactly(Subnet.parse("fd00:0:0:2::/64"), Subnet.parse("fd00:0:0:3::/64"));
        assertThat(lookup(t, "fd00:0:0:3::9").v6VtepMac()).isEqualTo(MacAddress.parse("0a:00:00:00:66:03"));
        assertThat(lookup(t, "10.1.2.3")).as("no IPv4 routes from a 0.0.0.0/0 placeholder").isNull();
        assertThat(t.peerByUnderlayV4(0)).isNull();
        assertThat(t.routes()).extracting(ForwardingTable.RouteEntry::prefix)
                .containsExactly(Subnet.parse("fd00:0:0:2::/64"), Subnet.parse("fd00:0:0:3::/64"));
    }

    @Test
    void viewsListWhatFlannelWouldProgram() {
        Lease a = lease("10.244.3.0/24", "192.168.64.4", "0a:00:00:00:00:03");
        Lease b = dualStack("10.244.2.0/24", "192.168.64.3", "0a:00:00:00:00:09",
                "fd00:0:0:2::/64", "fd00:64::3", "0a:00:00:00:00:01");
        ForwardingTable t = ForwardingTable.build(Subnet.parse("10.244.1.0/24"), List.of(a, b), 4789);

        assertThat(t.port()).isEqualTo(4789);
        assertThat(t.fdb()).containsExactly(
                new ForwardingTable.FdbEntry(MacAddress.parse("0a:00:00:00:00:01"), Subnet.parseAddress("fd00:64::3"),
                        4789, Subnet.parse("fd00:0:0:2::/64")),
                new ForwardingTable.FdbEntry(MacAddress.parse("0a:00:00:00:00:03"), Subnet.parseAddress("192.168.64.4"),
                        4789, Subnet.parse("10.244.3.0/24")),
                new ForwardingTable.FdbEntry(MacAddress.parse("0a:00:00:00:00:09"), Subnet.parseAddress("192.168.64.3"),
                        4789, Subnet.parse("10.244.2.0/24")));
        assertThat(t.neighbours()).containsExactly(
                new ForwardingTable.NeighEntry(Subnet.parseAddress("10.244.2.0"), MacAddress.parse("0a:00:00:00:00:09")),
                new ForwardingTable.NeighEntry(Subnet.parseAddress("fd00:0:0:2::"), MacAddress.parse("0a:00:00:00:00:01")),
                new ForwardingTable.NeighEntry(Subnet.parseAddress("10.244.3.0"), MacAddress.parse("0a:00:00:00:00:03")));
        Peer pb = lookup(t, "10.244.2.1");
        Peer pa = lookup(t, "10.244.3.1");
        assertThat(t.routes()).containsExactly(
                new ForwardingTable.RouteEntry(Subnet.parse("10.244.2.0/24"), Subnet.parseAddress("10.244.2.0"), pb),
                new ForwardingTable.RouteEntry(Subnet.parse("fd00:0:0:2::/64"), Subnet.parseAddress("fd00:0:0:2::"), pb),
                new ForwardingTable.RouteEntry(Subnet.parse("10.244.3.0/24"), Subnet.parseAddress("10.244.3.0"), pa));
        assertThatThrownBy(() -> t.peers().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void underlayLookupPrefersTheLeaseThatWasGrantedLast() {
        // A host rebooted with a new config and took 10.244.9.0/24; its old 10.244.2.0/24 lease lives on until expiry.
        Lease stale = lease("10.244.2.0/24", "192.168.64.3", "0a:00:00:00:00:02").withExpiry(T0.plusSeconds(3600));
        Lease current = lease("10.244.9.0/24", "192.168.64.3", "0a:00:00:00:00:09").withExpiry(T0.plusSeconds(86400));
        Lease unknown = lease("10.244.1.0/24", "192.168.64.3", "0a:00:00:00:00:01");

        for (List<Lease> order : List.of(List.of(stale, current, unknown), List.of(unknown, current, stale))) {
            ForwardingTable t = ForwardingTable.build(null, order, PORT);
            assertThat(t.peerByUnderlayV4(v4("192.168.64.3")).subnet()).isEqualTo(current.subnet());
            assertThat(t.size()).as("stale leases still route their subnets").isEqualTo(3);
            assertThat(lookup(t, "10.244.2.1").subnet()).isEqualTo(stale.subnet());
        }
        ForwardingTable noExpiries = ForwardingTable.build(null, List.of(
                lease("10.244.7.0/24", "192.168.64.3", "0a:00:00:00:00:07"),
                lease("10.244.4.0/24", "192.168.64.3", "0a:00:00:00:00:04")), PORT);
        assertThat(noExpiries.peerByUnderlayV4(v4("192.168.64.3")).subnet()).as("tie: lowest subnet")
                .isEqualTo(Subnet.parse("10.244.4.0/24"));
        assertThat(noExpiries.peerByUnderlayV4(v4("192.168.64.4"))).isNull();
    }

    @Test
    void overlappingLeasesRouteByLongestPrefixAndNeverShadowTheLocalSubnet() {
        ForwardingTable t = ForwardingTable.build(Subnet.parse("10.9.1.0/24"), List.of(
                lease("10.1.2.0/24", "192.168.64.3", "0a:00:00:00:00:03"),
                lease("10.1.0.0/16", "192.168.64.2", "0a:00:00:00:00:02"),
                lease("10.1.2.128/25", "192.168.64.4", "0a:00:00:00:00:04"),
                lease("10.9.0.0/16", "192.168.64.5", "0a:00:00:00:00:05"),
                lease("10.2.0.0/25", "192.168.64.6", "0a:00:00:00:00:06"),
                lease("10.2.0.128/25", "192.168.64.7", "0a:00:00:00:00:07")), PORT);

        assertThat(t.peers()).extracting(Peer::subnet).containsExactly(
                Subnet.parse("10.1.0.0/16"), Subnet.parse("10.1.2.0/24"), Subnet.parse("10.1.2.128/25"),
                Subnet.parse("10.2.0.0/25"), Subnet.parse("10.2.0.128/25"));
        assertThat(lookup(t, "10.1.2.200").subnet()).isEqualTo(Subnet.parse("10.1.2.128/25"));
        assertThat(lookup(t, "10.1.2.100").subnet()).isEqualTo(Subnet.parse("10.1.2.0/24"));
        assertThat(lookup(t, "10.1.7.1").subnet()).isEqualTo(Subnet.parse("10.1.0.0/16"));
        assertThat(lookup(t, "10.9.7.1")).as("a lease covering the local subnet is left out").isNull();
        assertThat(lookup(t, "10.2.0.127").subnet()).isEqualTo(Subnet.parse("10.2.0.0/25"));
        assertThat(lookup(t, "10.2.0.128").subnet()).isEqualTo(Subnet.parse("10.2.0.128/25"));
        assertThat(t.issues()).extracting(LeaseIssue::kind, i -> i.lease().key(), i -> i.other() == null ? null : i.other().key())
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(LeaseIssue.Kind.OVERLAPS_LOCAL, "10.9.0.0-16", null),
                        org.assertj.core.groups.Tuple.tuple(LeaseIssue.Kind.OVERLAP, "10.1.0.0-16", "10.1.2.0-24"),
                        org.assertj.core.groups.Tuple.tuple(LeaseIssue.Kind.OVERLAP, "10.1.2.0-24", "10.1.2.128-25"));
    }

    @Test
    void aWiderHandWrittenLeaseDoesNotTakeARealNodesTraffic() {
        Lease wide = lease("10.244.16.0/22", "192.168.64.16", "0a:00:00:00:00:16");
        Lease real = lease("10.244.18.0/24", "192.168.64.18", "0a:00:00:00:00:18");
        for (List<Lease> order : List.of(List.of(wide, real), List.of(real, wide))) {
            ForwardingTable t = ForwardingTable.of(new TableScope(Subnet.parse("10.244.0.0/16"), null,
                    Subnet.parse("10.244.1.0/24"), null), order, PORT);
            assertThat(lookup(t, "10.244.18.7").endpointV4()).isEqualTo(v4("192.168.64.18"));
            assertThat(lookup(t, "10.244.18.0").vtepMac()).as("the real node's VTEP").isEqualTo(real.backendData().vtepMac());
            assertThat(lookup(t, "10.244.17.7").endpointV4()).isEqualTo(v4("192.168.64.16"));
            assertThat(lookup(t, "10.244.19.255").endpointV4()).isEqualTo(v4("192.168.64.16"));
            assertThat(t.issues()).singleElement().satisfies(i -> {
                assertThat(i.kind()).isEqualTo(LeaseIssue.Kind.OVERLAP);
                assertThat(i.message()).contains("10.244.16.0-22", "10.244.18.0-24",
                        "10.244.18.0/24 goes to 192.168.64.18", "the rest of 10.244.16.0/22 to 192.168.64.16");
            });
        }
    }

    @Test
    void aLeaseOutsideTheNetworkOrOverOurSubnetIsRefusedWithItsReason() {
        TableScope scope = new TableScope(Subnet.parse("10.244.0.0/16"), null, Subnet.parse("10.244.1.0/24"), null);
        ForwardingTable t = ForwardingTable.of(scope, List.of(
                lease("10.245.1.0/24", "192.168.64.9", "0a:00:00:00:00:09"),
                lease("10.244.0.0/23", "192.168.64.8", "0a:00:00:00:00:08"),
                lease("10.244.2.0/24", "192.168.64.2", "0a:00:00:00:00:02")), PORT);

        assertThat(t.peers()).extracting(Peer::subnet).containsExactly(Subnet.parse("10.244.2.0/24"));
        assertThat(lookup(t, "10.245.1.1")).isNull();
        assertThat(t.peerByUnderlayV4(v4("192.168.64.9"))).as("refused leases are not senders either").isNull();
        assertThat(t.issues()).extracting(LeaseIssue::message).containsExactly(
                "lease 10.245.1.0-24 (PublicIP 192.168.64.9) is outside Network 10.244.0.0/16; refusing it: no traffic"
                        + " goes to it. A node of this cluster would never take it: delete the key, or fix the tool or"
                        + " config that wrote it",
                "lease 10.244.0.0-23 (PublicIP 192.168.64.8) overlaps our own subnet 10.244.1.0/24; refusing it, so"
                        + " that our pods' traffic stays here. Delete the key unless it is this host's");
        assertThat(t.issues()).allMatch(i -> i.kind().refuses());
    }

    @Test
    void twoLeasesClaimingOneSubnetGiveItToTheFirstKeyEitherWay() {
        Lease plain = lease("10.244.5.0/24", "192.168.64.5", "0a:00:00:00:00:05");
        Lease dual = dualStack("10.244.5.0/24", "192.168.64.6", "0a:00:00:00:00:06", "fd00:0:0:6::/64", "fd00:64::6",
                "0a:00:00:00:66:06");
        for (List<Lease> order : List.of(List.of(plain, dual), List.of(dual, plain))) {
            ForwardingTable t = ForwardingTable.build(null, order, PORT);
            assertThat(lookup(t, "10.244.5.1").endpointV4()).isEqualTo(v4("192.168.64.5"));
            assertThat(lookup(t, "fd00:0:0:6::1").endpointV6().getAddress()).isEqualTo(Subnet.parseAddress("fd00:64::6"));
            assertThat(t.issues()).singleElement().satisfies(i -> {
                assertThat(i.kind()).isEqualTo(LeaseIssue.Kind.SAME_SUBNET);
                assertThat(i.message()).contains("10.244.5.0-24 (PublicIP 192.168.64.5) and 10.244.5.0-24&fd00:0:0:6::-64",
                        "its traffic goes to 192.168.64.5");
            });
        }
    }

    @Test
    void aLeaseWhoseIpv6PartLacksPublicIpv6OrBackendV6DataKeepsItsIpv4RouteAndSaysWhy() {
        Lease noPublicV6 = new Lease(Subnet.parse("10.244.2.0/24"), (Inet4Address) Subnet.parseAddress("192.168.64.2"),
                Subnet.parse("fd00:0:0:2::/64"), null, "vxlan", new BackendData(1, MacAddress.parse("0a:00:00:00:00:02")),
                new BackendData(1, MacAddress.parse("0a:00:00:00:66:02")), null);
        Lease noV6Data = new Lease(Subnet.parse("10.244.3.0/24"), (Inet4Address) Subnet.parseAddress("192.168.64.3"),
                Subnet.parse("fd00:0:0:3::/64"), (Inet6Address) Subnet.parseAddress("fd00:64::3"), "vxlan",
                new BackendData(1, MacAddress.parse("0a:00:00:00:00:03")), null, null);
        ForwardingTable t = ForwardingTable.build(Subnet.parse("10.244.1.0/24"), Subnet.parse("fd00:0:0:1::/64"),
                List.of(noPublicV6, noV6Data), PORT);

        assertThat(lookup(t, "10.244.2.5")).as("IPv4 still routed").isNotNull();
        assertThat(lookup(t, "10.244.3.5")).as("IPv4 still routed").isNotNull();
        assertThat(lookup(t, "fd00:0:0:2::5")).isNull();
        assertThat(lookup(t, "fd00:0:0:3::5")).isNull();
        assertThat(t.routes()).extracting(ForwardingTable.RouteEntry::prefix)
                .containsExactly(Subnet.parse("10.244.2.0/24"), Subnet.parse("10.244.3.0/24"));
        assertThat(t.issues()).extracting(LeaseIssue::kind).containsExactly(LeaseIssue.Kind.NO_IPV6_ROUTE,
                LeaseIssue.Kind.NO_IPV6_ROUTE);
        assertThat(t.issues().get(0).message()).contains("10.244.2.0-24&fd00:0:0:2::-64", "no PublicIPv6",
                "IPv4 subnet is routed").doesNotContain("\n");
        assertThat(t.issues().get(1).message()).contains("no BackendV6Data");
        assertThat(t.issues()).allSatisfy(i -> assertThat(i.kind().refuses()).isFalse());

        ForwardingTable v4Host = ForwardingTable.build(Subnet.parse("10.244.1.0/24"), List.of(noPublicV6, noV6Data), PORT);
        assertThat(v4Host.issues()).as("a host without IPv6 does not care about the peers' IPv6 parts").isEmpty();
    }

    @Test
    void anIpv6OnlyFlanneldsLeaseWithoutBackendDataIsAnIpv6Peer() {
        // flanneld with EnableIPv4 false writes PublicIPv6 and BackendV6Data only.
        Lease l = new Lease(Subnet.parse("0.0.0.0/0"), null, Subnet.parse("fd00:0:0:2::/64"),
                (Inet6Address) Subnet.parseAddress("fd00:64::2"), "vxlan", null,
                new BackendData(1, MacAddress.parse("0a:00:00:00:66:02")), null);
        ForwardingTable t = ForwardingTable.build(null, Subnet.parse("fd00:0:0:1::/64"), List.of(l), PORT);
        Peer p = lookup(t, "fd00:0:0:2::7");
        assertThat(p).isNotNull();
        assertThat(p.hasV4()).isFalse();
        assertThat(p.vtepMac()).isNull();
        assertThat(t.issues()).isEmpty();
        assertThat(t.fdb()).extracting(ForwardingTable.FdbEntry::mac).containsExactly(MacAddress.parse("0a:00:00:00:66:02"));
        byte[] a = Subnet.parseAddress("fd00:64::2").getAddress();
        assertThat(p.sendsFromV6(Subnet.bytesToLong(a, 0), Subnet.bytesToLong(a, 8))).isTrue();
        assertThat(p.sendsFromV6(Subnet.bytesToLong(a, 0), Subnet.bytesToLong(a, 8) + 1)).isFalse();

        Lease nothing = new Lease(Subnet.parse("0.0.0.0/0"), null, Subnet.parse("fd00:0:0:3::/64"), null, "vxlan", null,
                new BackendData(1, MacAddress.parse("0a:00:00:00:66:03")), null);
        ForwardingTable t2 = ForwardingTable.build(null, Subnet.parse("fd00:0:0:1::/64"), List.of(nothing), PORT);
        assertThat(t2.peers()).isEmpty();
        assertThat(t2.issues()).singleElement().satisfies(i -> assertThat(i.message()).contains("no PublicIPv6")
                .doesNotContain("IPv4 subnet is routed"));
    }

    @Test
    void ipv6LeasesOutsideTheIpv6NetworkAreRefused() {
        TableScope scope = new TableScope(null, Subnet.parse("fd00::/48"), null, null);
        ForwardingTable t = ForwardingTable.of(scope, List.of(
                dualStack("10.244.2.0/24", "192.168.64.2", "0a:00:00:00:00:02", "fd00:0:0:2::/64", "fd00:64::2", "0a:00:00:00:66:02"),
                dualStack("10.244.3.0/24", "192.168.64.3", "0a:00:00:00:00:03", "fd01:0:0:3::/64", "fd00:64::3", "0a:00:00:00:66:03")),
                PORT);
        assertThat(t.peers()).extracting(Peer::subnet).containsExactly(Subnet.parse("10.244.2.0/24"));
        assertThat(t.issues()).singleElement().satisfies(i -> assertThat(i.message())
                .contains("10.244.3.0-24&fd01:0:0:3::-64", "outside IPv6Network fd00::/48"));
    }

    @Test
    void overlappingLookupsDoNotAllocate() {
        List<Lease> leases = new ArrayList<>(tenThousandPeers());
        leases.add(lease("10.128.0.0/9", "192.168.99.1", "0a:00:00:00:99:01"));
        leases.add(lease("10.160.0.0/16", "192.168.99.2", "0a:00:00:00:99:02"));
        ForwardingTable t = ForwardingTable.build(null, leases, PORT);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long wide = 0;
        long before = mx.getThreadAllocatedBytes(id);
        for (int i = 0; i < 200_000; i++) {
            int dst = switch (i % 3) {
                case 0 -> 0x0A40_0000 + ((i % 10_000) << 8) + (i & 0xFF);
                case 1 -> 0x0AA0_0000 + (i & 0xFFFF);
                default -> 0x0AC8_0000 + (i & 0xFFFF);
            };
            Peer p = t.lookupV4(dst);
            if (p != null && p.subnet().prefixLength() < 24) {
                wide++;
            }
        }
        long allocated = mx.getThreadAllocatedBytes(id) - before;
        assertThat(wide).as("addresses past the /24 peers fall to the wider leases").isGreaterThan(130_000);
        assertThat(allocated).isLessThan(64 * 1024);
    }

    @Test
    void leasesOfSeveralPrefixLengthsAreAllFound() {
        ForwardingTable t = ForwardingTable.build(null, List.of(
                lease("10.5.1.0/24", "192.168.64.3", "0a:00:00:00:00:03"),
                lease("10.5.2.0/26", "192.168.64.4", "0a:00:00:00:00:04"),
                lease("10.6.0.0/16", "192.168.64.5", "0a:00:00:00:00:05")), PORT);
        assertThat(lookup(t, "10.5.1.200").endpointV4()).isEqualTo(v4("192.168.64.3"));
        assertThat(lookup(t, "10.5.2.63").endpointV4()).isEqualTo(v4("192.168.64.4"));
        assertThat(lookup(t, "10.5.2.64")).isNull();
        assertThat(lookup(t, "10.6.200.1").endpointV4()).isEqualTo(v4("192.168.64.5"));
    }

    @Test
    void emptyTableFindsNothing() {
        assertThat(ForwardingTable.EMPTY.size()).isZero();
        assertThat(ForwardingTable.EMPTY.lookupV4(v4("10.0.0.1"))).isNull();
        assertThat(ForwardingTable.EMPTY.lookupV6(0, 1)).isNull();
        assertThat(ForwardingTable.EMPTY.peerByUnderlayV4(v4("10.0.0.1"))).isNull();
        assertThat(ForwardingTable.EMPTY.fdb()).isEmpty();
    }

    /** 10,000 /24 peers in 10.64.0.0/10, the local host at 10.64.0.0/24. */
    static List<Lease> tenThousandPeers() {
        List<Lease> leases = new ArrayList<>();
        for (int i = 1; i <= 10_000; i++) {
            int subnet = 0x0A40_0000 + (i << 8);
            int publicIp = 0xAC10_0000 + i;
            leases.add(new Lease(Subnet.ofV4(subnet, 24), (Inet4Address) Subnet.ofV4(publicIp, 32).address(), null, null,
                    "vxlan", new BackendData(1, MacAddress.of(0x0A00_0000_0000L + i)), null, null));
        }
        Collections.shuffle(leases, new java.util.Random(7));
        return leases;
    }

    @Test
    void tenThousandPeersAllLookUpToThemselves() {
        ForwardingTable t = ForwardingTable.build(Subnet.parse("10.64.0.0/24"), tenThousandPeers(), PORT);
        assertThat(t.size()).isEqualTo(10_000);
        for (int i = 1; i <= 10_000; i++) {
            int subnet = 0x0A40_0000 + (i << 8);
            for (int host : new int[] {0, 1, 128, 255}) {
                Peer p = t.lookupV4(subnet + host);
                assertThat(p).isNotNull();
                assertThat(p.vtepMacBits()).isEqualTo(0x0A00_0000_0000L + i);
            }
            assertThat(t.peerByUnderlayV4(0xAC10_0000 + i).vtepMacBits()).isEqualTo(0x0A00_0000_0000L + i);
        }
        assertThat(t.lookupV4(0x0A40_0005)).as("local").isNull();
        assertThat(t.lookupV4(0x0A40_0000 + (10_001 << 8))).as("first subnet after the peers").isNull();
        assertThat(t.lookupV4(0x0B00_0001)).isNull();
    }

    @Test
    void lookupsDoNotAllocate() {
        ForwardingTable t = ForwardingTable.build(Subnet.parse("10.64.0.0/24"), tenThousandPeers(), PORT);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long hits = 0;
        long before = mx.getThreadAllocatedBytes(id);
        for (int i = 0; i < 200_000; i++) {
            int dst = 0x0A40_0000 + ((i % 12_000) << 8) + (i & 0xFF);
            if (t.lookupV4(dst) != null) {
                hits++;
            }
            if (t.peerByUnderlayV4(0xAC10_0000 + (i % 12_000)) != null) {
                hits++;
            }
            if (t.lookupV6(0xfd00_0000_0000_0000L, i) != null) {
                hits++;
            }
        }
        long allocated = mx.getThreadAllocatedBytes(id) - before;
        assertThat(hits).isGreaterThan(300_000);
        // 600,000 lookups; even one 16-byte object each would be 9.6 MB. The slack covers the MXBean call itself.
        assertThat(allocated).isLessThan(64 * 1024);
    }

    @Test
    void publishedTableSwapsWholeSnapshots() {
        PublishedTable published = new PublishedTable();
        assertThat(published.current()).isSameAs(ForwardingTable.EMPTY);
        ForwardingTable t = ForwardingTable.build(null, List.of(lease("10.244.2.0/24", "192.168.64.3", "0a:00:00:00:00:02")), PORT);
        published.publish(t);
        assertThat(published.current()).isSameAs(t);
        assertThat(published.current().lookupV4(v4("10.244.2.1"))).isNotNull();
        assertThatThrownBy(() -> published.publish(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 200)
    void everyAddressInAPeerSubnetLooksUpToThatPeer(@ForAll @IntRange(min = 1, max = 300) int peers,
                                                    @ForAll @IntRange(min = 20, max = 28) int len,
                                                    @ForAll int pick, @ForAll int host) {
        int size = 1 << (32 - len);
        List<Lease> leases = new ArrayList<>();
        for (int i = 1; i <= peers; i++) {
            leases.add(new Lease(Subnet.ofV4(0x0A00_0000 + i * size, len),
                    (Inet4Address) Subnet.ofV4(0xC0A8_0000 + i, 32).address(), null, null, "vxlan",
                    new BackendData(1, MacAddress.of(i)), null, null));
        }
        ForwardingTable t = ForwardingTable.build(Subnet.ofV4(0x0A00_0000, len), leases, PORT);
        int i = 1 + Math.floorMod(pick, peers);
        int offset = Math.floorMod(host, size);
        assertThat(t.lookupV4(0x0A00_0000 + i * size + offset).vtepMacBits()).isEqualTo(i);
        assertThat(t.lookupV4(0x0A00_0000 + offset)).as("local").isNull();
        assertThat(t.lookupV4(0x0A00_0000 + (peers + 1) * size + offset)).as("past the last peer").isNull();
    }

    @Property(tries = 200)
    void everyAddressInAPeerIpv6SubnetLooksUpToThatPeer(@ForAll @IntRange(min = 1, max = 100) int peers,
                                                        @ForAll int pick, @ForAll long iid) throws Exception {
        List<Lease> leases = new ArrayList<>();
        for (int i = 1; i <= peers; i++) {
            leases.add(new Lease(Subnet.ofV4(0x0A00_0000 + (i << 8), 24),
                    (Inet4Address) Subnet.ofV4(0xC0A8_0000 + i, 32).address(), Subnet.ofV6(0xfd00_0000_0000_0000L + i, 0, 64),
                    (Inet6Address) InetAddress.getByAddress(new byte[] {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) i}),
                    "vxlan", new BackendData(1, MacAddress.of(i)), new BackendData(1, MacAddress.of(0x1000 + i)), null));
        }
        ForwardingTable t = ForwardingTable.build(null, leases, PORT);
        int i = 1 + Math.floorMod(pick, peers);
        Peer p = t.lookupV6(0xfd00_0000_0000_0000L + i, iid);
        assertThat(p.v6VtepMacBits()).isEqualTo(0x1000 + i);
        assertThat(t.lookupV6(0xfd00_0000_0000_0000L + peers + 1, iid)).isNull();
    }
}
