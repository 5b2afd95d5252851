package io.weft.fdb.registry;

import io.weft.fdb.BackendData;
import io.weft.fdb.ConfigException;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Peer;
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
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.weft.fdb.registry.EtcdTestSupport.CONFIG;
import static io.weft.fdb.registry.EtcdTestSupport.FAST;
import static io.weft.fdb.registry.EtcdTestSupport.await;
import static io.weft.fdb.registry.EtcdTestSupport.freshPrefix;
import static io.weft.fdb.registry.EtcdTestSupport.registry;
import static io.weft.fdb.registry.EtcdTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registry against a real etcd shared by these tests; each test works under a prefix of its own. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaseRegistryEtcdTest {
    static final String FLANNELD_VALUE = "{\"PublicIP\":\"192.168.64.7\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","
            + "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}}";
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
    void ownLeaseReadBackWithEtcdctlIsFlanneldsFormatByteForByte() throws Exception {
        String prefix = freshPrefix("own");
        etcd.etcdctl("put", prefix + "/config", "{\"Network\":\"10.244.0.0/16\",\"SubnetMin\":\"10.244.3.0\",\"SubnetMax\":\"10.244.3.0\",\"Backend\":{\"Type\":\"vxlan\"}}");
        try (LeaseRegistry r = registry(etcd, prefix, RegistrySettings.defaults())) {
            NetworkConfig config = r.awaitConfig();
            HeldLease mine = r.acquire(config, request("192.168.64.3", "C6:D2:32:6F:8F:44"));
            assertThat(mine.key()).isEqualTo(prefix + "/subnets/10.244.3.0-24");
            assertThat(etcd.etcdctl("get", "--print-value-only", prefix + "/subnets/10.244.3.0-24")).isEqualTo(
                    "{\"PublicIP\":\"192.168.64.3\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","
                            + "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}}\n");
            // Attached to a 24 h etcd lease, as flanneld's subnetTTL.
            assertThat(etcd.leaseTtl(mine.etcdLeaseId())).isBetween(86_000L, 86_400L);
        }
    }

    @Test
    void flanneldWrittenLeasesAreForwardedToAndStopWhenRemoved() throws Exception {
        String prefix = freshPrefix("fwd");
        etcd.etcdctl("put", prefix + "/config", CONFIG);
        etcd.etcdctl("put", prefix + "/subnets/10.244.7.0-24", FLANNELD_VALUE);
        // The old form without VNI, a host-gw lease (ignored) and an unparsable one (skipped, named in the log).
        etcd.etcdctl("put", prefix + "/subnets/10.244.8.0-24",
                "{\"PublicIP\":\"192.168.64.8\",\"BackendType\":\"vxlan\",\"BackendData\":{\"VtepMAC\":\"0e:2a:00:00:00:08\"}}");
        etcd.etcdctl("put", prefix + "/subnets/10.244.9.0-24", "{\"PublicIP\":\"192.168.64.9\",\"BackendType\":\"host-gw\"}");
        etcd.etcdctl("put", prefix + "/subnets/10.244.10.0-24", "{\"PublicIP\":\"192.168.64.300\",\"BackendType\":\"vxlan\"}");
        PublishedTable table = new PublishedTable();
        try (EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture();
             LeaseRegistry r = registry(etcd, prefix, FAST)) {
            NetworkConfig config = r.awaitConfig();
            HeldLease mine = r.acquire(config, request("192.168.64.3", "02:00:00:00:00:03"));
            LeaseTableFeeder feeder = new LeaseTableFeeder(table, new SubnetKey(mine.lease().subnet(), null),
                    config.backend().effectivePort());
            r.startWatching(mine.lease().subnet(), feeder);

            await("the flanneld lease in the table", Duration.ofSeconds(5), () -> lookup(table, "10.244.7.5") != null);
            Peer p = lookup(table, "10.244.7.5");
            assertThat(p.vtepMac()).isEqualTo(MacAddress.parse("c6:d2:32:6f:8f:44"));
            assertThat(p.endpoint().getAddress().getHostAddress()).isEqualTo("192.168.64.7");
            assertThat(p.endpoint().getPort()).isEqualTo(8472);
            assertThat(lookup(table, "10.244.8.1").vtepMac()).isEqualTo(MacAddress.parse("0e:2a:00:00:00:08"));
            assertThat(lookup(table, "10.244.9.1")).as("host-gw lease").isNull();
            assertThat(lookup(table, "10.244.10.1")).as("unparsable lease").isNull();
            assertThat(lookup(table, mine.lease().subnet().offsetAddress(1).getHostAddress())).as("own subnet").isNull();
            await("the bad lease named in the log", Duration.ofSeconds(5), () -> log.text().contains(
                    "lease " + prefix + "/subnets/10.244.10.0-24 does not parse: PublicIP \"192.168.64.300\" is not an IP address"));

            // A new VtepMAC replaces the entry: the old MAC is gone from the FDB view.
            etcd.etcdctl("put", prefix + "/subnets/10.244.7.0-24", FLANNELD_VALUE.replace("c6:d2:32:6f:8f:44", "c6:d2:32:6f:8f:99"));
            await("the new VtepMAC", Duration.ofSeconds(5),
                    () -> MacAddress.parse("c6:d2:32:6f:8f:99").equals(lookup(table, "10.244.7.5").vtepMac()));
            assertThat(table.current().fdb()).noneMatch(e -> e.mac().equals(MacAddress.parse("c6:d2:32:6f:8f:44")));

            etcd.etcdctl("del", prefix + "/subnets/10.244.7.0-24");
            await("the deleted lease to stop forwarding", Duration.ofSeconds(5), () -> lookup(table, "10.244.7.5") == null);
            assertThat(r.watchRevision()).isPositive();
        }
    }

    @Test
    void aHandWrittenWiderLeaseAndARealNodesLeaseCoexistByLongestPrefix() throws Exception {
        String prefix = freshPrefix("wide");
        etcd.etcdctl("put", prefix + "/config", CONFIG);
        PublishedTable table = new PublishedTable();
        try (EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture();
             LeaseRegistry realNode = registry(etcd, prefix, FAST);
             LeaseRegistry us = registry(etcd, prefix, FAST)) {
            NetworkConfig config = us.awaitConfig();
            realNode.awaitConfig();
            HeldLease real = realNode.acquire(config, withPrevious(request("192.168.64.18", "02:00:00:00:00:18"),
                    Subnet.parse("10.244.18.0/24")));
            assertThat(real.lease().subnet()).isEqualTo(Subnet.parse("10.244.18.0/24"));
            // Then written by hand or by a broken tool (weft's and flannel's allocators never would): covers
            // 10.244.16.0 - 10.244.19.255, and a lease outside the Network.
            etcd.etcdctl("put", prefix + "/subnets/10.244.16.0-22", FLANNELD_VALUE.replace("192.168.64.7", "192.168.64.16"));
            etcd.etcdctl("put", prefix + "/subnets/10.245.1.0-24", FLANNELD_VALUE.replace("192.168.64.7", "192.168.64.245"));
            HeldLease mine = us.acquire(config, withPrevious(request("192.168.64.3", "02:00:00:00:00:03"),
                    Subnet.parse("10.244.1.0/24")));
            us.startWatching(mine.lease().subnet(), new LeaseTableFeeder(table, config,
                    new SubnetKey(mine.lease().subnet(), null)));

            await("the real node's lease in the table", Duration.ofSeconds(10), () -> lookup(table, "10.244.18.5") != null);
            assertThat(lookup(table, "10.244.18.5").endpoint().getAddress().getHostAddress()).isEqualTo("192.168.64.18");
            assertThat(lookup(table, "10.244.18.5").vtepMac()).isEqualTo(MacAddress.parse("02:00:00:00:00:18"));
            assertThat(lookup(table, "10.244.17.5").endpoint().getAddress().getHostAddress()).isEqualTo("192.168.64.16");
            assertThat(lookup(table, "10.245.1.5")).as("outside Network").isNull();
            await("the overlap named in the log", Duration.ofSeconds(5), () -> log.text().contains(
                    "leases 10.244.16.0-22 (PublicIP 192.168.64.16) and 10.244.18.0-24 (PublicIP 192.168.64.18) overlap;"
                            + " routing by longest prefix as the kernel does: 10.244.18.0/24 goes to 192.168.64.18"));
            assertThat(log.text()).contains("lease 10.245.1.0-24 (PublicIP 192.168.64.245) is outside Network 10.244.0.0/16");
        }
    }

    @Test
    void twoRegistriesRacingForOneSubnetEndWithDifferentSubnets() throws Exception {
        for (int round = 0; round < 3; round++) {
            String prefix = freshPrefix("race");
            etcd.etcdctl("put", prefix + "/config", "{\"Network\":\"10.5.0.0/16\",\"SubnetMin\":\"10.5.1.0\",\"SubnetMax\":\"10.5.2.0\",\"Backend\":{\"Type\":\"vxlan\"}}");
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try (LeaseRegistry a = registry(etcd, prefix, FAST); LeaseRegistry b = registry(etcd, prefix, FAST)) {
                NetworkConfig configA = a.awaitConfig();
                NetworkConfig configB = b.awaitConfig();
                // Both remember the same previous subnet, so both go for 10.5.1.0/24 first.
                Subnet prev = Subnet.parse("10.5.1.0/24");
                CountDownLatch go = new CountDownLatch(1);
                Callable<HeldLease> ta = () -> {
                    go.await();
                    return a.acquire(configA, withPrevious(request("10.0.0.1", "02:00:00:00:00:01"), prev));
                };
                Callable<HeldLease> tb = () -> {
                    go.await();
                    return b.acquire(configB, withPrevious(request("10.0.0.2", "02:00:00:00:00:02"), prev));
                };
                Future<HeldLease> fa = pool.submit(ta);
                Future<HeldLease> fb = pool.submit(tb);
                go.countDown();
                HeldLease la = fa.get(20, TimeUnit.SECONDS);
                HeldLease lb = fb.get(20, TimeUnit.SECONDS);
                assertThat(la.lease().subnet()).isNotEqualTo(lb.lease().subnet());
                assertThat(etcd.etcdctl("get", "--keys-only", "--prefix", prefix + "/subnets").lines().filter(l -> !l.isBlank()))
                        .containsExactlyInAnyOrder(prefix + "/subnets/10.5.1.0-24", prefix + "/subnets/10.5.2.0-24");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void renewalWithAShortTtlKeepsTheKeyAndRevokesTheOldGrant() throws Exception {
        String prefix = freshPrefix("renew");
        etcd.etcdctl("put", prefix + "/config", CONFIG);
        List<AcquiredLease> renewals = new CopyOnWriteArrayList<>();
        try (LeaseRegistry r = registry(etcd, prefix, FAST.withLease(Duration.ofSeconds(6), Duration.ofSeconds(3)))) {
            NetworkConfig config = r.awaitConfig();
            HeldLease first = r.acquire(config, request("10.1.1.1", "02:00:00:00:00:11"));
            r.startKeeping(first, new LeaseListener() {
                @Override
                public void renewed(AcquiredLease lease) {
                    renewals.add(lease);
                }
            });
            // Three renewals take ~9 s, longer than the 6 s TTL: without renewal the key would have expired.
            await("three renewals", Duration.ofSeconds(20), () -> renewals.size() >= 3);
            assertThat(etcd.etcdctl("get", "--print-value-only", first.key())).isEqualTo(first.value() + "\n");
            assertThat(etcd.leaseIds()).doesNotContain(first.etcdLeaseId(), renewals.get(0).etcdLeaseId());
            AcquiredLease now = r.currentLease();
            assertThat(etcd.leaseTtl(now.etcdLeaseId())).isPositive();
            assertThat(r.leaseExpiry()).isEqualTo(now.lease().expiry());
        }
    }

    @Test
    void ownKeyDeletedIsReacquiredWithTheSameSubnet() throws Exception {
        String prefix = freshPrefix("deleted");
        etcd.etcdctl("put", prefix + "/config", CONFIG);
        List<AcquiredLease> reacquired = new CopyOnWriteArrayList<>();
        try (EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture();
             LeaseRegistry r = registry(etcd, prefix, FAST)) {
            NetworkConfig config = r.awaitConfig();
            HeldLease first = r.acquire(config, request("10.1.1.2", "02:00:00:00:00:12"));
            r.startKeeping(first, new LeaseListener() {
                @Override
                public void reacquired(AcquiredLease lease) {
                    reacquired.add(lease);
                }
            });
            etcd.etcdctl("del", first.key());
            await("re-acquisition", Duration.ofSeconds(10), () -> !reacquired.isEmpty());
            assertThat(reacquired.get(0).key()).isEqualTo(first.key());
            assertThat(etcd.etcdctl("get", "--print-value-only", first.key())).isEqualTo(first.value() + "\n");
            assertThat(log.text()).contains("WARN").contains("OUR SUBNET LEASE " + first.key() + " WAS LOST");
        }
    }

    @Test
    void ownSubnetTakenByAnotherNodeMovesToANewSubnet() throws Exception {
        String prefix = freshPrefix("taken");
        etcd.etcdctl("put", prefix + "/config", CONFIG);
        List<AcquiredLease[]> changes = new CopyOnWriteArrayList<>();
        try (LeaseRegistry r = registry(etcd, prefix, FAST)) {
            NetworkConfig config = r.awaitConfig();
            HeldLease first = r.acquire(config, request("10.1.1.3", "02:00:00:00:00:13"));
            r.startKeeping(first, new LeaseListener() {
                @Override
                public void subnetChanged(AcquiredLease before, AcquiredLease after) {
                    changes.add(new AcquiredLease[] {before, after});
                }
            });
            etcd.etcdctl("put", first.key(), FLANNELD_VALUE);
            await("a new subnet", Duration.ofSeconds(10), () -> !changes.isEmpty());
            AcquiredLease after = changes.get(0)[1];
            assertThat(after.lease().subnet()).isNotEqualTo(first.lease().subnet());
            assertThat(etcd.etcdctl("get", "--print-value-only", after.key())).isEqualTo(after.value() + "\n");
            assertThat(etcd.etcdctl("get", "--print-value-only", first.key())).isEqualTo(FLANNELD_VALUE + "\n");
            assertThat(r.currentLease().key()).isEqualTo(after.key());
        }
    }

    @Test
    void reusesTheLeaseCarryingOurPublicIpAndRevokesItsOldGrant() throws Exception {
        String prefix = freshPrefix("reuse");
        etcd.etcdctl("put", prefix + "/config", CONFIG);
        String grant = etcd.etcdctl("lease", "grant", "600").split("\\s+")[1];
        etcd.etcdctl("put", "--lease=" + grant, prefix + "/subnets/10.244.42.0-24", FLANNELD_VALUE);
        try (LeaseRegistry r = registry(etcd, prefix, FAST)) {
            NetworkConfig config = r.awaitConfig();
            HeldLease mine = r.acquire(config, request("192.168.64.7", "02:00:00:00:00:42"));
            assertThat(mine.key()).isEqualTo(prefix + "/subnets/10.244.42.0-24");
            assertThat(etcd.etcdctl("get", "--print-value-only", mine.key())).contains("02:00:00:00:00:42");
            assertThat(etcd.leaseIds()).doesNotContain(Long.parseLong(grant, 16));
        }
    }

    @Test
    void prefersThePreviousSubnetFromSubnetEnvAndDeletesOwnLeaseThatNoLongerFits() throws Exception {
        String prefix = freshPrefix("prev");
        etcd.etcdctl("put", prefix + "/config", CONFIG);
        // A lease with our PublicIP outside the network (an old config) is deleted, as flanneld does.
        etcd.etcdctl("put", prefix + "/subnets/10.99.1.0-24", FLANNELD_VALUE.replace("192.168.64.7", "10.1.1.4"));
        try (LeaseRegistry r = registry(etcd, prefix, FAST)) {
            NetworkConfig config = r.awaitConfig();
            HeldLease mine = r.acquire(config, withPrevious(request("10.1.1.4", "02:00:00:00:00:14"), Subnet.parse("10.244.77.0/24")));
            assertThat(mine.key()).isEqualTo(prefix + "/subnets/10.244.77.0-24");
            assertThat(etcd.etcdctl("get", "--keys-only", prefix + "/subnets/10.99.1.0-24")).isBlank();
        }
    }

    @Test
    void dualStackAcquisitionWritesTheV4AndV6KeyAndBothBackendData() throws Exception {
        String prefix = freshPrefix("dual");
        etcd.etcdctl("put", prefix + "/config", "{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true,"
                + "\"IPv6Network\":\"fd00:42::/56\",\"SubnetMin\":\"10.244.5.0\",\"SubnetMax\":\"10.244.5.0\","
                + "\"IPv6SubnetMin\":\"fd00:42:0:7::\",\"IPv6SubnetMax\":\"fd00:42:0:7::\",\"Backend\":{\"Type\":\"vxlan\"}}");
        try (LeaseRegistry r = registry(etcd, prefix, FAST)) {
            NetworkConfig config = r.awaitConfig();
            AcquireRequest req = new AcquireRequest((Inet4Address) Subnet.parseAddress("192.168.64.3"),
                    (Inet6Address) Subnet.parseAddress("fd00::3"), new BackendData(1, MacAddress.parse("02:00:00:00:00:03")),
                    new BackendData(1, MacAddress.parse("02:00:00:00:00:63")), null, null);
            HeldLease mine = r.acquire(config, req);
            assertThat(mine.key()).isEqualTo(prefix + "/subnets/10.244.5.0-24&fd00:42:0:7::-64");
            assertThat(etcd.etcdctl("get", "--print-value-only", mine.key())).isEqualTo(
                    "{\"PublicIP\":\"192.168.64.3\",\"PublicIPv6\":\"fd00::3\",\"BackendType\":\"vxlan\","
                            + "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"02:00:00:00:00:03\"},"
                            + "\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"02:00:00:00:00:63\"}}\n");
        }
    }

    @Test
    void aFullNetworkIsAClearErrorNamingTheRange() throws Exception {
        String prefix = freshPrefix("full");
        etcd.etcdctl("put", prefix + "/config", "{\"Network\":\"10.6.0.0/16\",\"SubnetMin\":\"10.6.1.0\",\"SubnetMax\":\"10.6.2.0\",\"Backend\":{\"Type\":\"vxlan\"}}");
        etcd.etcdctl("put", prefix + "/subnets/10.6.1.0-24", FLANNELD_VALUE);
        etcd.etcdctl("put", prefix + "/subnets/10.6.2.0-24", FLANNELD_VALUE.replace("192.168.64.7", "192.168.64.8"));
        try (LeaseRegistry r = registry(etcd, prefix, FAST)) {
            NetworkConfig config = r.awaitConfig();
            assertThatThrownBy(() -> r.acquire(config, request("192.168.64.9", "02:00:00:00:00:09")))
                    .isInstanceOf(SubnetsExhaustedException.class)
                    .hasMessageStartingWith("no free subnet in [SubnetMin 10.6.1.0/24, SubnetMax 10.6.2.0/24] of Network 10.6.0.0/16");
        }
    }

    @Test
    void anInvalidConfigIsWaitedOutWithALineNamingTheKeyAndTheField() throws Exception {
        String prefix = freshPrefix("waitbad");
        etcd.etcdctl("put", prefix + "/config", "{\"Network\":\"10.244.0.0/16\",\"SubnetLen\":31,\"Backend\":{\"Type\":\"vxlan\"}}");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture();
             LeaseRegistry r = registry(etcd, prefix, FAST)) {
            Future<NetworkConfig> config = pool.submit(r::awaitValidConfig);
            await("the invalid-config line", Duration.ofSeconds(20), () -> log.text().contains(prefix + "/config is invalid"
                    + " (field SubnetLen): invalid network config: SubnetLen 31"));
            Thread.sleep(2500);
            assertThat(config.isDone()).as("still waiting").isFalse();
            assertThat(log.text().split("is invalid", -1)).as("one line per 30 s, not one per retry:\n" + log.text())
                    .hasSize(2);
            etcd.etcdctl("put", prefix + "/config", CONFIG);
            assertThat(config.get(20, TimeUnit.SECONDS).network()).isEqualTo(Subnet.parse("10.244.0.0/16"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void malformedConfigFailsFastWithTheValidationMessage() throws Exception {
        String prefix = freshPrefix("badconfig");
        etcd.etcdctl("put", prefix + "/config", "{\"Network\":\"10.244.0.0/16\",\"SubnetLen\":31,\"Backend\":{\"Type\":\"vxlan\"}}");
        try (LeaseRegistry r = registry(etcd, prefix, FAST)) {
            assertThatThrownBy(r::awaitConfig).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("invalid network config: SubnetLen")
                    .satisfies(e -> assertThat(((ConfigException) e).field()).isEqualTo("SubnetLen"));
        }
    }

    @Test
    void missingConfigIsReportedAndAwaited() throws Exception {
        String prefix = freshPrefix("noconfig");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture();
             LeaseRegistry r = registry(etcd, prefix, FAST)) {
            Future<NetworkConfig> config = pool.submit(r::awaitConfig);
            String expected = "no network config at " + prefix + "/config; create it with etcdctl put " + prefix
                    + "/config '{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}' (etcd v3 API)";
            await("the missing-config message", Duration.ofSeconds(5), () -> log.text().contains(expected));
            assertThat(config.isDone()).isFalse();
            etcd.etcdctl("put", prefix + "/config", CONFIG);
            assertThat(config.get(10, TimeUnit.SECONDS).network()).isEqualTo(Subnet.parse("10.244.0.0/16"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void unreachableEtcdIsReportedWithItsEndpointsAndRetriedUntilItAnswers() throws Exception {
        String prefix = freshPrefix("down");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (EtcdServer own = EtcdServer.startPlain();
             EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture()) {
            own.stop();
            // A dead first endpoint, as in flanneld's default list where :4001 is usually closed.
            String endpoints = "http://127.0.0.1:1," + own.clientUrl();
            try (LeaseRegistry r = LeaseRegistry.connect(EtcdOptions.defaults().withEndpoints(endpoints).withPrefix(prefix), FAST)) {
                Future<NetworkConfig> config = pool.submit(r::awaitConfig);
                await("the unreachable message", Duration.ofSeconds(15), () -> log.text().contains(
                        "cannot read " + prefix + "/config from etcd at " + endpoints + "; still trying"));
                assertThat(config.isDone()).isFalse();
                own.start();
                own.etcdctl("put", prefix + "/config", CONFIG);
                assertThat(config.get(20, TimeUnit.SECONDS).network()).isEqualTo(Subnet.parse("10.244.0.0/16"));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void compactionDuringAWatchIsRecoveredByListingAgain() throws Exception {
        String prefix = freshPrefix("compact");
        etcd.etcdctl("put", prefix + "/subnets/10.244.7.0-24", FLANNELD_VALUE);
        etcd.etcdctl("put", prefix + "/subnets/10.244.8.0-24", FLANNELD_VALUE.replace("192.168.64.7", "192.168.64.8"));
        PublishedTable table = new PublishedTable();
        List<String> events = new CopyOnWriteArrayList<>();
        // A 3..5 s backoff leaves time to change and compact the store before the broken watch resumes.
        RegistrySettings slowResume = new RegistrySettings(FAST.configRetry(), FAST.reportEvery(), FAST.leaseTtl(),
                FAST.renewMargin(), FAST.renewRetry(), FAST.raceRetries(), FAST.requestTimeout(),
                Duration.ofSeconds(3), Duration.ofSeconds(5));
        try (EtcdServer own = EtcdServer.startPlain()) {
            own.etcdctl("put", prefix + "/subnets/10.244.7.0-24", FLANNELD_VALUE);
            own.etcdctl("put", prefix + "/subnets/10.244.8.0-24", FLANNELD_VALUE.replace("192.168.64.7", "192.168.64.8"));
            try (EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture();
                 LeaseRegistry r = registry(own, prefix, slowResume)) {
                LeaseTableFeeder feeder = new LeaseTableFeeder(table, null, 8472);
                r.startWatching((SubnetKey) null, recording(feeder, events));
                await("both leases", Duration.ofSeconds(5), () -> table.current().size() == 2);
                long before = r.watchRevision();

                own.restart();
                own.etcdctl("del", prefix + "/subnets/10.244.7.0-24");
                own.etcdctl("put", prefix + "/subnets/10.244.9.0-24", FLANNELD_VALUE.replace("192.168.64.7", "192.168.64.9"));
                own.compact();

                await("the table after compaction", Duration.ofSeconds(15),
                        () -> lookup(table, "10.244.9.1") != null && lookup(table, "10.244.7.1") == null);
                assertThat(lookup(table, "10.244.8.1")).isNotNull();
                assertThat(log.text()).contains("etcd compacted the history the watch of " + prefix + "/subnets needed");
                assertThat(events).contains("removed 10.244.7.0/24", "added 10.244.9.0/24");
                assertThat(r.watchRevision()).isGreaterThan(before);
            }
        }
    }

    @Test
    void etcdKilledAndRestartedMidWatchKeepsTheTableThenCatchesUp() throws Exception {
        String prefix = freshPrefix("restart");
        PublishedTable table = new PublishedTable();
        try (EtcdServer own = EtcdServer.startPlain()) {
            own.etcdctl("put", prefix + "/subnets/10.244.7.0-24", FLANNELD_VALUE);
            own.etcdctl("put", prefix + "/subnets/10.244.8.0-24", FLANNELD_VALUE.replace("192.168.64.7", "192.168.64.8"));
            try (LeaseRegistry r = registry(own, prefix, FAST)) {
                r.startWatching((SubnetKey) null, new LeaseTableFeeder(table, null, 8472));
                await("both leases", Duration.ofSeconds(5), () -> table.current().size() == 2);
                ForwardingTable before = table.current();

                own.stop();
                EtcdTestSupport.holdsFor("the table is kept while etcd is down", Duration.ofSeconds(2),
                        () -> table.current() == before && lookup(table, "10.244.7.1") != null);

                own.start();
                own.etcdctl("del", prefix + "/subnets/10.244.7.0-24");
                own.etcdctl("put", prefix + "/subnets/10.244.9.0-24", FLANNELD_VALUE.replace("192.168.64.7", "192.168.64.9"));
                await("the changes made after the restart", Duration.ofSeconds(15),
                        () -> lookup(table, "10.244.9.1") != null && lookup(table, "10.244.7.1") == null);
                assertThat(lookup(table, "10.244.8.1")).isNotNull();
            }
        }
    }

    @Test
    void tlsEtcdWithClientCertificates() throws Exception {
        String prefix = freshPrefix("tls");
        try (EtcdServer tls = EtcdServer.startTls()) {
            tls.etcdctl("put", prefix + "/config", CONFIG);
            EtcdOptions options = EtcdOptions.defaults().withEndpoints(tls.clientUrl()).withPrefix(prefix)
                    .withTls(tls.certs().ca(), tls.certs().clientCert(), tls.certs().clientKey());
            assertThat(options.tls()).isTrue();
            try (LeaseRegistry r = LeaseRegistry.connect(options, FAST)) {
                NetworkConfig config = r.awaitConfig();
                assertThat(config.network()).isEqualTo(Subnet.parse("10.244.0.0/16"));
                HeldLease mine = r.acquire(config, request("192.168.64.3", "02:00:00:00:00:03"));
                assertThat(tls.etcdctl("get", "--print-value-only", mine.key())).isEqualTo(mine.value() + "\n");
            }
        }
    }

    @Test
    void etcdWithAuthenticationIsUsedWithTheUserAndPassword() throws Exception {
        String prefix = freshPrefix("auth");
        try (EtcdServer auth = EtcdServer.startPlain()) {
            auth.etcdctl("user", "add", "root:s3cret");
            auth.etcdctl("auth", "enable");
            auth.etcdctl("--user", "root:s3cret", "put", prefix + "/config", CONFIG);
            EtcdOptions options = EtcdOptions.defaults().withEndpoints(auth.clientUrl()).withPrefix(prefix)
                    .withCredentials("root", "s3cret");
            assertThat(options.toString()).doesNotContain("s3cret");
            try (LeaseRegistry r = LeaseRegistry.connect(options, FAST)) {
                NetworkConfig config = r.awaitConfig();
                assertThat(config.network()).isEqualTo(Subnet.parse("10.244.0.0/16"));
                HeldLease mine = r.acquire(config, request("192.168.64.3", "02:00:00:00:00:04"));
                assertThat(auth.etcdctl("--user", "root:s3cret", "get", "--print-value-only", mine.key()))
                        .isEqualTo(mine.value() + "\n");
            }
            // A wrong password is retried (etcd may be mid-reconfiguration) and reported with what to check.
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try (EtcdTestSupport.StderrCapture log = new EtcdTestSupport.StderrCapture();
                 LeaseRegistry r = LeaseRegistry.connect(options.withCredentials("root", "wrong"), FAST)) {
                Future<NetworkConfig> config = pool.submit(r::awaitConfig);
                await("the credentials message", Duration.ofSeconds(20),
                        () -> log.text().contains("etcd refused the credentials: check -etcd-username and -etcd-password"));
                assertThat(config.isDone()).isFalse();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static AcquireRequest withPrevious(AcquireRequest r, Subnet previous) {
        return new AcquireRequest(r.publicIp(), r.publicIpv6(), r.backendData(), r.backendV6Data(), previous, null);
    }

    private static Peer lookup(PublishedTable table, String ip) {
        return table.current().lookup(Subnet.parseAddress(ip));
    }

    private static LeaseEvents recording(LeaseEvents inner, List<String> log) {
        return new LeaseEvents() {
            @Override
            public void added(Lease lease) {
                log.add("added " + lease.subnet());
                inner.added(lease);
            }

            @Override
            public void removed(Lease lease) {
                log.add("removed " + lease.subnet());
                inner.removed(lease);
            }

            @Override
            public void changed(Lease before, Lease after) {
                log.add("changed " + after.subnet());
                inner.changed(before, after);
            }

            @Override
            public void batchDone() {
                inner.batchDone();
            }
        };
    }
}
