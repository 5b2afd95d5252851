package io.weft.fdb.registry;

import io.weft.fdb.BackendData;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.labkit.etcd.EtcdServer;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.weft.fdb.registry.EtcdTestSupport.FAST;
import static io.weft.fdb.registry.EtcdTestSupport.await;
import static io.weft.fdb.registry.EtcdTestSupport.freshPrefix;
import static io.weft.fdb.registry.EtcdTestSupport.registry;
import static org.assertj.core.api.Assertions.assertThat;

/** Dual-stack and IPv6-only leases against a real etcd, as flanneld's etcd subnet manager writes and takes them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DualStackLeaseEtcdTest {
    private static final String BACKEND = "\"Backend\":{\"Type\":\"vxlan\"}}";
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
    void twoDualStackNodesRacingForTheSameSubnetsEndWithDifferentOnesInBothFamilies() throws Exception {
        for (int round = 0; round < 3; round++) {
            String prefix = freshPrefix("race6");
            etcd.etcdctl("put", prefix + "/config", "{\"Network\":\"10.5.0.0/16\",\"SubnetMin\":\"10.5.1.0\","
                    + "\"SubnetMax\":\"10.5.2.0\",\"EnableIPv6\":true,\"IPv6Network\":\"fd00:5::/56\","
                    + "\"IPv6SubnetMin\":\"fd00:5:0:1::\",\"IPv6SubnetMax\":\"fd00:5:0:2::\"," + BACKEND);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try (LeaseRegistry a = registry(etcd, prefix, FAST); LeaseRegistry b = registry(etcd, prefix, FAST)) {
                NetworkConfig configA = a.awaitConfig();
                NetworkConfig configB = b.awaitConfig();
                // Both remember the same previous subnets from subnet.env, so both go for the same key first.
                CountDownLatch go = new CountDownLatch(1);
                Future<HeldLease> fa = pool.submit(() -> {
                    go.await();
                    return a.acquire(configA, dual("10.0.0.1", "fd00::1", 1, "10.5.1.0/24", "fd00:5:0:1::/64"));
                });
                Future<HeldLease> fb = pool.submit(() -> {
                    go.await();
                    return b.acquire(configB, dual("10.0.0.2", "fd00::2", 2, "10.5.1.0/24", "fd00:5:0:1::/64"));
                });
                go.countDown();
                HeldLease la = fa.get(20, TimeUnit.SECONDS);
                HeldLease lb = fb.get(20, TimeUnit.SECONDS);
                assertThat(la.lease().subnet()).isNotEqualTo(lb.lease().subnet());
                assertThat(la.lease().ipv6Subnet()).isNotEqualTo(lb.lease().ipv6Subnet());
                List<String> keys = keys(prefix);
                assertThat(keys).hasSize(2).allMatch(k -> k.matches(".*/10\\.5\\.[12]\\.0-24&fd00:5:0:[12]::-64"));
                assertThat(etcd.etcdctl("get", "--print-value-only", la.key())).isEqualTo(la.value() + "\n");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void ipv6OnlyWritesFlannelsKeyWithTheEmptyIpv4PartAndIsFoundAgainByPublicIpv6() throws Exception {
        String prefix = freshPrefix("v6only");
        etcd.etcdctl("put", prefix + "/config", "{\"EnableIPv4\":false,\"EnableIPv6\":true,"
                + "\"IPv6Network\":\"fd00:42::/56\",\"IPv6SubnetMin\":\"fd00:42:0:7::\",\"IPv6SubnetMax\":\"fd00:42:0:7::\","
                + BACKEND);
        try (LeaseRegistry first = registry(etcd, prefix, FAST); LeaseRegistry again = registry(etcd, prefix, FAST)) {
            NetworkConfig config = first.awaitConfig();
            HeldLease mine = first.acquire(config, v6Only("fd00::3", "02:00:00:00:00:63"));
            assertThat(mine.key()).isEqualTo(prefix + "/subnets/0.0.0.0-0&fd00:42:0:7::-64");
            assertThat(etcd.etcdctl("get", "--print-value-only", mine.key())).isEqualTo(
                    "{\"PublicIP\":\"0.0.0.0\",\"PublicIPv6\":\"fd00::3\",\"BackendType\":\"vxlan\","
                            + "\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"02:00:00:00:00:63\"}}\n");
            // A restart without subnet.env: the only subnet is ours, found by PublicIPv6 (PublicIP is 0.0.0.0 for all).
            HeldLease restarted = again.acquire(again.awaitConfig(), v6Only("fd00::3", "02:00:00:00:00:64"));
            assertThat(restarted.key()).isEqualTo(mine.key());
            assertThat(keys(prefix)).containsExactly(mine.key());
            assertThat(etcd.etcdctl("get", "--print-value-only", mine.key())).contains("02:00:00:00:00:64");
        }
    }

    @Test
    void aLeaseWhoseIpv6HalfDoesNotParseIsSkippedWithALineAndKeepsItsSubnets() throws Exception {
        String prefix = freshPrefix("bad6");
        etcd.etcdctl("put", prefix + "/config", "{\"Network\":\"10.244.0.0/16\",\"SubnetMin\":\"10.244.5.0\","
                + "\"SubnetMax\":\"10.244.8.0\",\"EnableIPv6\":true,\"IPv6Network\":\"fd00:42::/56\","
                + "\"IPv6SubnetMin\":\"fd00:42:0:6::\",\"IPv6SubnetMax\":\"fd00:42:0:8::\"," + BACKEND);
        String good = "{\"PublicIP\":\"192.168.64.7\",\"PublicIPv6\":\"fd00::7\",\"BackendType\":\"vxlan\","
                + "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"02:00:00:00:00:07\"},"
                + "\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"02:00:00:00:00:77\"}}";
        // A key whose IPv6 part is not an address, and a value whose PublicIPv6 is not one.
        String badKey = prefix + "/subnets/10.244.5.0-24&fd00:42:0:5:::-64";
        String badValue = prefix + "/subnets/10.244.6.0-24&fd00:42:0:6::-64";
        etcd.etcdctl("put", badKey, good.replace(".7", ".5"));
        etcd.etcdctl("put", badValue, good.replace("\"fd00::7\"", "\"fd00::zz\""));
        etcd.etcdctl("put", prefix + "/subnets/10.244.7.0-24&fd00:42:0:7::-64", good);
        PublishedTable table = new PublishedTable();
        try (EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture();
             LeaseRegistry r = registry(etcd, prefix, FAST)) {
            NetworkConfig config = r.awaitConfig();
            // subnet.env remembers the IPv4 subnet of the key with the broken IPv6 part: it is still held, so not reused.
            HeldLease mine = r.acquire(config, dual("192.168.64.3", "fd00::3", 3, "10.244.5.0/24", "fd00:42:0:8::/64"));
            // Nothing lost: the subnets the broken leases name are not handed out again (all but the unreadable
            // IPv6 part of the first key, which names nothing).
            assertThat(mine.key()).isEqualTo(prefix + "/subnets/10.244.8.0-24&fd00:42:0:8::-64");
            r.startWatching(SubnetKey.of(mine.lease()), new LeaseTableFeeder(table, config,
                    new SubnetKey(mine.lease().subnet(), mine.lease().ipv6Subnet())));
            await("the good lease in the table", Duration.ofSeconds(5),
                    () -> table.current().lookup(Subnet.parseAddress("10.244.7.9")) != null);
            await("both broken leases named in the log", Duration.ofSeconds(5),
                    () -> log.text().contains("lease " + badValue + " does not parse: PublicIPv6 \"fd00::zz\" is not an IP address;"
                            + " using its IPv4 part only") && log.text().contains("lease " + badKey + " does not parse"));
            // The value's IPv4 half is sound: IPv4 traffic still goes to that node, IPv6 traffic does not.
            await("the IPv4 half of the lease with the broken IPv6 value in the table", Duration.ofSeconds(5),
                    () -> table.current().lookup(Subnet.parseAddress("10.244.6.9")) != null);
            assertThat(table.current().lookup(Subnet.parseAddress("fd00:42:0:6::9"))).isNull();
            assertThat(table.current().lookup(Subnet.parseAddress("fd00:42:0:7::9"))).isNotNull();
            assertThat(log.text().lines().filter(l -> l.contains(badValue)).count()).as(log.text()).isEqualTo(1);
            assertThat(log.text().lines().filter(l -> l.contains(badKey)).count()).as(log.text()).isEqualTo(1);
            assertThat(keys(prefix)).hasSize(4);
        }
    }

    @Test
    void ipv6OnlyNodesSeeEachOtherThoughEveryLeaseSharesTheIpv4Placeholder() throws Exception {
        String prefix = freshPrefix("v6peers");
        etcd.etcdctl("put", prefix + "/config", "{\"EnableIPv4\":false,\"EnableIPv6\":true,"
                + "\"IPv6Network\":\"fd00:43::/56\"," + BACKEND);
        PublishedTable table = new PublishedTable();
        try (LeaseRegistry a = registry(etcd, prefix, FAST); LeaseRegistry b = registry(etcd, prefix, FAST)) {
            NetworkConfig config = a.awaitConfig();
            HeldLease mine = a.acquire(config, v6Only("fd00::3", "02:00:00:00:00:63"));
            HeldLease theirs = b.acquire(b.awaitConfig(), v6Only("fd00::4", "02:00:00:00:00:64"));
            a.startWatching(SubnetKey.of(mine.lease()), new LeaseTableFeeder(table, config, SubnetKey.of(mine.lease())));
            await("the other IPv6-only node in the table", Duration.ofSeconds(5), () -> table.current().size() == 1);
            Subnet other = theirs.lease().ipv6Subnet();
            assertThat(table.current().lookup(other.address()))
                    .isNotNull().satisfies(p -> assertThat(p.ipv6Subnet()).isEqualTo(other));
            assertThat(table.current().peers()).noneMatch(p -> mine.lease().ipv6Subnet().equals(p.ipv6Subnet()));
        }
    }

    private static List<String> keys(String prefix) throws Exception {
        return etcd.etcdctl("get", "--keys-only", "--prefix", prefix + "/subnets").lines().filter(l -> !l.isBlank()).toList();
    }

    private static AcquireRequest dual(String ip, String ip6, int host, String previous, String previous6) {
        return new AcquireRequest((Inet4Address) Subnet.parseAddress(ip), (Inet6Address) Subnet.parseAddress(ip6),
                new BackendData(1, MacAddress.parse("02:00:00:00:00:0" + host)),
                new BackendData(1, MacAddress.parse("02:00:00:00:00:6" + host)),
                previous == null ? null : Subnet.parse(previous), previous6 == null ? null : Subnet.parse(previous6));
    }

    private static AcquireRequest v6Only(String ip6, String mac) {
        return new AcquireRequest((Inet4Address) Subnet.parseAddress("0.0.0.0"), (Inet6Address) Subnet.parseAddress(ip6),
                null, new BackendData(1, MacAddress.parse(mac)), null, null);
    }
}
