package io.weft.fdb.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.fdb.Lease;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import io.weft.fdb.path.WeftAdvert;
import io.weft.labkit.etcd.EtcdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.weft.fdb.registry.EtcdTestSupport.CONFIG;
import static io.weft.fdb.registry.EtcdTestSupport.FAST;
import static io.weft.fdb.registry.EtcdTestSupport.await;
import static io.weft.fdb.registry.EtcdTestSupport.freshPrefix;
import static io.weft.fdb.registry.EtcdTestSupport.registry;
import static io.weft.fdb.registry.EtcdTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The weft record beside a lease, against a real etcd: written at {@code <prefix>/weft/<subnet key>} on the lease's own
 * etcd lease, moved to every new grant, gone when the lease goes, learnt by peers; and the flannel key and what
 * flanneld lists ({@code <prefix>/subnets}) are exactly as without it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WeftAdvertEtcdTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final WeftAdvert ADVERT = WeftAdvert.of((Inet4Address) Subnet.parseAddress("10.0.1.5"), 8472);
    static EtcdServer etcd;

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdServer.startPlain();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void recordSitsBesideTheUnchangedLeaseOnTheSameEtcdLeaseAndPeersLearnIt() throws Exception {
        String prefix = freshPrefix("advert");
        etcd.etcdctl("put", prefix + "/config", "{\"Network\":\"10.244.0.0/16\",\"SubnetMin\":\"10.244.3.0\","
                + "\"SubnetMax\":\"10.244.3.0\",\"Backend\":{\"Type\":\"vxlan\"}}");
        Recorder peer = new Recorder();
        LeaseRegistry us = registry(etcd, prefix, FAST);
        try (LeaseRegistry other = registry(etcd, prefix, FAST)) {
            NetworkConfig config = us.awaitConfig();
            us.advertise(ADVERT);
            HeldLease mine = us.acquire(config, request("192.168.64.3", "c6:d2:32:6f:8f:44"));
            us.startKeeping(mine, new LeaseListener() { });
            other.startWatching(Subnet.parse("10.244.9.0/24"), peer);

            String weftKey = prefix + "/weft/10.244.3.0-24";
            await("the weft record", Duration.ofSeconds(10), () -> etcd.tryEtcdctl("get", "--print-value-only", weftKey)
                    .stdout().startsWith("{"));
            assertThat(etcd.etcdctl("get", "--print-value-only", weftKey))
                    .isEqualTo("{\"Version\":1,\"PrivateIP\":\"10.0.1.5\",\"TcpPort\":8472}\n");
            assertThat(leaseOf(weftKey)).isEqualTo(mine.etcdLeaseId());
            // The flannel lease, byte for byte as flanneld writes it; and flanneld's listing sees that one key only.
            assertThat(etcd.etcdctl("get", "--print-value-only", mine.key())).isEqualTo("{\"PublicIP\":\"192.168.64.3\","
                    + "\"PublicIPv6\":null,\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}}\n");
            assertThat(etcd.etcdctl("get", "--prefix", "--keys-only", prefix + "/subnets").trim())
                    .isEqualTo(prefix + "/subnets/10.244.3.0-24");

            await("the peer learns the record", Duration.ofSeconds(10), () -> ADVERT.equals(peer.adverts.get("10.244.3.0-24")));

            // Revoking the etcd lease (what expiry does) takes both keys, and the peer hears the record is gone. We stop
            // first, or our keeper would take the lease again at once.
            us.close();
            etcd.etcdctl("lease", "revoke", Long.toHexString(mine.etcdLeaseId()));
            await("the record removed at the peer", Duration.ofSeconds(10), () -> !peer.adverts.containsKey("10.244.3.0-24"));
            assertThat(etcd.etcdctl("get", "--prefix", "--keys-only", prefix + "/weft/").trim()).isEmpty();
        } finally {
            us.close();
        }
    }

    @Test
    void everyRenewalMovesTheRecordToTheNewGrantBeforeTheOldOneIsRevoked() throws Exception {
        String prefix = freshPrefix("advert-renew");
        etcd.etcdctl("put", prefix + "/config", CONFIG);
        List<AcquiredLease> renewals = new CopyOnWriteArrayList<>();
        Recorder peer = new Recorder();
        try (LeaseRegistry us = registry(etcd, prefix, FAST.withLease(Duration.ofSeconds(6), Duration.ofSeconds(3)));
             LeaseRegistry other = registry(etcd, prefix, FAST)) {
            NetworkConfig config = us.awaitConfig();
            us.advertise(ADVERT);
            HeldLease first = us.acquire(config, request("10.1.1.9", "02:00:00:00:00:19"));
            other.startWatching(Subnet.parse("10.244.250.0/24"), peer);
            us.startKeeping(first, new LeaseListener() {
                @Override
                public void renewed(AcquiredLease lease) {
                    renewals.add(lease);
                }
            });
            String leaseKey = first.lease().key();
            await("three renewals", Duration.ofSeconds(20), () -> renewals.size() >= 3);
            String weftKey = prefix + "/weft/" + leaseKey;
            assertThat(leaseOf(weftKey)).isEqualTo(us.currentLease().etcdLeaseId());
            // The peer saw the record once and never saw it go while the lease lived.
            assertThat(peer.removedAdverts).isEmpty();
            assertThat(peer.adverts).containsEntry(leaseKey, ADVERT);
        }
    }

    @Test
    void aRecordThatDoesNotParseLeavesThePeerAPlainFlannelPeer() throws Exception {
        String prefix = freshPrefix("advert-bad");
        etcd.etcdctl("put", prefix + "/config", CONFIG);
        etcd.etcdctl("put", prefix + "/subnets/10.244.7.0-24", LeaseRegistryEtcdTest.FLANNELD_VALUE);
        etcd.etcdctl("put", prefix + "/weft/10.244.7.0-24", "{\"Version\":1,\"PrivateIP\":\"not-an-ip\"}");
        etcd.etcdctl("put", prefix + "/weft/10.244.8.0-24", "{\"Version\":1,\"PrivateIP\":\"10.0.0.8\"}");
        Recorder peer = new Recorder();
        try (EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture();
             LeaseRegistry other = registry(etcd, prefix, FAST)) {
            other.startWatching(Subnet.parse("10.244.250.0/24"), peer);
            await("the good record", Duration.ofSeconds(10), () -> peer.adverts.containsKey("10.244.8.0-24"));
            assertThat(peer.adverts).doesNotContainKey("10.244.7.0-24");
            await("the warning", Duration.ofSeconds(5), () -> log.text().contains("/weft/10.244.7.0-24"));
            assertThat(log.text()).contains("PrivateIP \"not-an-ip\" is not an IPv4 address")
                    .contains("treated as a plain flannel peer");
        }
    }

    private static long leaseOf(String key) throws Exception {
        return JSON.readTree(etcd.etcdctl("get", key, "--write-out=json")).path("kvs").path(0).path("lease").asLong();
    }

    /** What a peer's table feeder would be told. */
    static final class Recorder implements LeaseEvents {
        final Map<String, WeftAdvert> adverts = new ConcurrentHashMap<>();
        final List<String> removedAdverts = new CopyOnWriteArrayList<>();

        @Override
        public void added(Lease lease) {
        }

        @Override
        public void removed(Lease lease) {
        }

        @Override
        public void advertised(String leaseKey, WeftAdvert advert) {
            if (advert == null) {
                adverts.remove(leaseKey);
                removedAdverts.add(leaseKey);
            } else {
                adverts.put(leaseKey, advert);
            }
        }
    }
}
