package io.weft.fdb.path;

import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.Peer;
import io.weft.fdb.Subnet;
import io.weft.fdb.TableScope;
import io.weft.fdb.BackendData;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The candidates a table gives each peer, the sender addresses it accepts, and the choice kept across snapshots. */
class PeerPathsTableTest {
    private static final int PORT = 8472;
    private static final TableScope SCOPE = TableScope.localOnly(Subnet.parse("10.244.1.0/24"), null);

    static Lease lease(String subnet, String publicIp, String mac) {
        return new Lease(Subnet.parse(subnet), ip(publicIp), null, null, "vxlan",
                new BackendData(1, MacAddress.parse(mac)), null, null);
    }

    static Inet4Address ip(String s) {
        return (Inet4Address) Subnet.parseAddress(s);
    }

    static int v4(String s) {
        return Subnet.bytesToInt(ip(s).getAddress(), 0);
    }

    private static final Lease WEFT = lease("10.244.2.0/24", "203.0.113.7", "02:00:00:00:00:02");
    private static final Lease KERNEL = lease("10.244.3.0/24", "198.51.100.9", "02:00:00:00:00:03");
    private static final WeftAdvert ADVERT = WeftAdvert.of(ip("10.0.1.6"), 8472);

    @Test
    void aWeftPeerHasPrivatePublicAndTcpCandidatesAKernelPeerItsPublicIpOnly() {
        ForwardingTable t = ForwardingTable.of(SCOPE, List.of(WEFT, KERNEL), Map.of(WEFT.key(), ADVERT), new PeerPaths(), PORT);
        Peer weft = t.lookup(Subnet.parseAddress("10.244.2.9"));
        Peer kernel = t.lookup(Subnet.parseAddress("10.244.3.9"));
        assertThat(weft.path().candidates()).extracting(PathCandidate::toString)
                .containsExactly("private 10.0.1.6:8472", "public 203.0.113.7:8472", "tcp 203.0.113.7:8472");
        assertThat(kernel.path().candidates()).extracting(PathCandidate::toString).containsExactly("public 198.51.100.9:8472");
        assertThat(kernel.path().choosable()).isFalse();
        assertThat(kernel.advert()).isNull();
        // Until the prober says better, frames go to the PublicIP, as flanneld sends them.
        assertThat(weft.sendEndpoint()).isEqualTo(weft.endpoint());
        assertThat(weft.path().current().kind()).isEqualTo(PathKind.PUBLIC);
    }

    @Test
    void aPrivateAddressEqualToThePublicIpIsNoSeparateCandidate() {
        ForwardingTable t = ForwardingTable.of(SCOPE, List.of(WEFT), Map.of(WEFT.key(), WeftAdvert.of(ip("203.0.113.7"), 0)),
                new PeerPaths(), PORT);
        assertThat(t.peers().get(0).path().candidates()).extracting(PathCandidate::toString)
                .containsExactly("public 203.0.113.7:8472");
    }

    @Test
    void aPeerThatAdvertisesNoTcpPortHasNoTcpCandidate() {
        ForwardingTable t = ForwardingTable.of(SCOPE, List.of(WEFT), Map.of(WEFT.key(), WeftAdvert.of(ip("10.0.1.6"), 0)),
                new PeerPaths(), PORT);
        assertThat(t.peers().get(0).path().candidates()).extracting(PathCandidate::kind)
                .containsExactly(PathKind.PRIVATE, PathKind.PUBLIC);
    }

    @Test
    void framesAreAcceptedFromEveryAdvertisedAddressAndNoOther() {
        ForwardingTable t = ForwardingTable.of(SCOPE, List.of(WEFT, KERNEL), Map.of(WEFT.key(), ADVERT), new PeerPaths(), PORT);
        Peer weft = t.peers().get(0);
        assertThat(t.peerByUnderlayV4(v4("10.0.1.6"))).isSameAs(weft);
        assertThat(t.peerByUnderlayV4(v4("203.0.113.7"))).isSameAs(weft);
        assertThat(t.peerByUnderlayV4(v4("10.0.1.7"))).isNull();
        assertThat(weft.sendsFrom(v4("10.0.1.6"))).isTrue();
        assertThat(weft.sendsFrom(v4("203.0.113.7"))).isTrue();
        assertThat(weft.sendsFrom(v4("198.51.100.9"))).isFalse();
        assertThat(t.peers().get(1).sendsFrom(v4("10.0.1.6"))).isFalse();
    }

    @Test
    void aPrivateAddressNeverHidesAHostWhosePublicIpItIs() {
        Lease other = lease("10.244.4.0/24", "10.0.1.6", "02:00:00:00:00:04");
        ForwardingTable t = ForwardingTable.of(SCOPE, List.of(WEFT, other), Map.of(WEFT.key(), ADVERT), new PeerPaths(), PORT);
        assertThat(t.peerByUnderlayV4(v4("10.0.1.6")).subnet()).isEqualTo(Subnet.parse("10.244.4.0/24"));
    }

    @Test
    void theChoiceSurvivesANewSnapshotAndIsResetWhenTheCandidatesChange() {
        PeerPaths paths = new PeerPaths();
        ForwardingTable t1 = ForwardingTable.of(SCOPE, List.of(WEFT), Map.of(WEFT.key(), ADVERT), paths, PORT);
        PeerPath path = t1.peers().get(0).path();
        path.use(path.candidates().get(0));
        ForwardingTable t2 = ForwardingTable.of(SCOPE, List.of(WEFT, KERNEL), Map.of(WEFT.key(), ADVERT), paths, PORT);
        Peer again = t2.lookup(Subnet.parseAddress("10.244.2.1"));
        assertThat(again.path()).isSameAs(path);
        assertThat(again.sendEndpoint().getAddress().getHostAddress()).isEqualTo("10.0.1.6");
        assertThat(again.sendEndpointV4()).isEqualTo(v4("10.0.1.6"));

        ForwardingTable t3 = ForwardingTable.of(SCOPE, List.of(WEFT), Map.of(WEFT.key(), WeftAdvert.of(ip("10.0.1.60"), 0)),
                paths, PORT);
        assertThat(t3.peers().get(0).path()).isNotSameAs(path);
        assertThat(t3.peers().get(0).path().current().kind()).isEqualTo(PathKind.PUBLIC);
        // A peer that left is forgotten.
        ForwardingTable.of(SCOPE, List.of(KERNEL), Map.of(), paths, PORT);
        assertThat(paths.get(WEFT.key())).isNull();
    }

    @Test
    void onlyACandidateCanBeUsed() {
        PeerPath path = PeerPath.publicOnly(PathCandidate.of(PathKind.PUBLIC, ip("203.0.113.7"), PORT));
        assertThatThrownBy(() -> path.use(PathCandidate.of(PathKind.PRIVATE, ip("10.0.0.1"), PORT)))
                .hasMessageContaining("is not a candidate");
    }
}
