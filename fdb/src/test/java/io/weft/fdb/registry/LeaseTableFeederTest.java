package io.weft.fdb.registry;

import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class LeaseTableFeederTest {
    private static Lease lease(String subnet, String publicIp) {
        return new Lease(Subnet.parse(subnet), (Inet4Address) Subnet.parseAddress(publicIp), null, null, "vxlan",
                new BackendData(1, MacAddress.parse("0a:00:00:00:00:01")), null, null);
    }

    private static long lines(String log, String text) {
        return Arrays.stream(log.split("\n")).filter(l -> l.contains(text)).count();
    }

    @Test
    void eachConflictIsLoggedOncePerKeyAndAgainWhenItComesBack() throws Exception {
        NetworkConfig config = NetworkConfig.parse("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        PublishedTable table = new PublishedTable();
        LeaseTableFeeder feeder = new LeaseTableFeeder(table, config, new SubnetKey(Subnet.parse("10.244.1.0/24"), null));
        Lease wide = lease("10.244.16.0/22", "192.168.64.16");
        Lease outside = lease("10.245.1.0/24", "192.168.64.9");
        try (EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture()) {
            feeder.added(lease("10.244.18.0/24", "192.168.64.18"));
            feeder.added(wide);
            feeder.added(outside);
            feeder.batchDone();
            for (int i = 2; i < 6; i++) {
                feeder.added(lease("10.244." + (100 + i) + ".0/24", "192.168.64." + (100 + i)));
                feeder.batchDone();
            }
            assertThat(lines(log.text(), "leases 10.244.16.0-22 (PublicIP 192.168.64.16) and 10.244.18.0-24")).isEqualTo(1);
            assertThat(lines(log.text(), "lease 10.245.1.0-24 (PublicIP 192.168.64.9) is outside Network 10.244.0.0/16"))
                    .isEqualTo(1);
            assertThat(table.current().lookup(Subnet.parseAddress("10.245.1.1"))).isNull();
            assertThat(table.current().lookup(Subnet.parseAddress("10.244.18.1")).endpointV4())
                    .isEqualTo(Subnet.bytesToInt(Subnet.parseAddress("192.168.64.18").getAddress(), 0));

            // Fixed, then broken again: said again.
            feeder.removed(wide);
            feeder.removed(outside);
            feeder.batchDone();
            feeder.added(wide);
            feeder.added(outside);
            feeder.batchDone();
            assertThat(lines(log.text(), "leases 10.244.16.0-22 (PublicIP 192.168.64.16) and 10.244.18.0-24")).isEqualTo(2);
            assertThat(lines(log.text(), "lease 10.245.1.0-24 (PublicIP 192.168.64.9) is outside Network")).isEqualTo(2);
        }
    }

    @Test
    void anAdvertBeforeOrAfterItsLeaseGivesThePeerItsPrivatePathAndARenewalKeepsTheChoice() throws Exception {
        NetworkConfig config = NetworkConfig.parse("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        PublishedTable table = new PublishedTable();
        LeaseTableFeeder feeder = new LeaseTableFeeder(table, config, new SubnetKey(Subnet.parse("10.244.1.0/24"), null));
        io.weft.fdb.path.WeftAdvert advert = io.weft.fdb.path.WeftAdvert.of((Inet4Address) Subnet.parseAddress("10.0.0.3"), 0);
        feeder.advertised("10.244.2.0-24", advert);   // the record first, as the two watches may deliver them
        feeder.added(lease("10.244.2.0/24", "192.168.64.2"));
        feeder.added(lease("10.244.3.0/24", "192.168.64.3"));
        feeder.batchDone();
        io.weft.fdb.Peer two = table.current().lookup(Subnet.parseAddress("10.244.2.1"));
        assertThat(two.advert()).isEqualTo(advert);
        assertThat(two.path().candidates()).hasSize(2);
        two.path().use(two.path().candidates().get(0));

        // the other peer's record comes later: a new table, and 10.244.2.0/24 keeps its private path
        feeder.advertised("10.244.3.0-24", io.weft.fdb.path.WeftAdvert.of((Inet4Address) Subnet.parseAddress("10.0.0.4"), 0));
        feeder.batchDone();
        assertThat(table.current().lookup(Subnet.parseAddress("10.244.3.1")).path().candidates()).hasSize(2);
        assertThat(table.current().lookup(Subnet.parseAddress("10.244.2.1")).sendEndpoint().getAddress().getHostAddress())
                .isEqualTo("10.0.0.3");

        // its record goes (the host went back to flanneld): a plain flannel peer again, reached at its PublicIP
        feeder.advertised("10.244.2.0-24", null);
        feeder.batchDone();
        io.weft.fdb.Peer plain = table.current().lookup(Subnet.parseAddress("10.244.2.1"));
        assertThat(plain.advert()).isNull();
        assertThat(plain.sendEndpoint().getAddress().getHostAddress()).isEqualTo("192.168.64.2");
    }
}
