package io.weft.fdb.registry;

import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.labkit.etcd.EtcdServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.weft.fdb.registry.EtcdTestSupport.await;
import static io.weft.fdb.registry.EtcdTestSupport.freshPrefix;
import static io.weft.fdb.registry.EtcdTestSupport.registry;
import static io.weft.fdb.registry.LeaseRegistryEtcdTest.FLANNELD_VALUE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The watch's promise in its log line ("resuming ... with backoff up to 5 s"), kept after a real outage: with the
 * default timings, a lease written once etcd is back reaches the table within the backoff's ceiling.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WatchResumeEtcdTest {

    @Test
    void aLeaseAddedAfterEtcdComesBackArrivesWithinTheStatedBackoff() throws Exception {
        RegistrySettings settings = RegistrySettings.defaults();
        String prefix = freshPrefix("resume");
        PublishedTable table = new PublishedTable();
        try (EtcdServer own = EtcdServer.startPlain()) {
            own.etcdctl("put", prefix + "/subnets/10.244.7.0-24", FLANNELD_VALUE);
            try (LeaseRegistry r = registry(own, prefix, settings)) {
                r.startWatching((SubnetKey) null, new LeaseTableFeeder(table, null, 8472));
                await("the first lease", Duration.ofSeconds(10), () -> table.current().size() == 1);

                own.stop();
                // Long enough for the backoff to reach its ceiling (0.1 + 0.2 + ... + 3.2 + 5 s).
                Thread.sleep(15_000);
                own.start();
                long put = System.nanoTime();
                own.etcdctl("put", prefix + "/subnets/10.244.9.0-24", FLANNELD_VALUE.replace("192.168.64.7", "192.168.64.9"));
                await("the lease added after the restart", Duration.ofSeconds(30),
                        () -> table.current().lookup(Subnet.parseAddress("10.244.9.1")) != null);
                Duration took = Duration.ofNanos(System.nanoTime() - put);
                System.out.printf("lease added after etcd came back reached the table in %.2f s (backoff ceiling %d s)%n",
                        took.toMillis() / 1000.0, settings.watchBackoffMax().toSeconds());
                // The promise is the backoff ceiling; one more second covers opening the watch and reading the event.
                assertThat(took).as("time from the put to the table").isLessThanOrEqualTo(
                        settings.watchBackoffMax().plusSeconds(1));
            }
        }
    }
}
