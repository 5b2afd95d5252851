package io.weft.fdb.registry;

import io.etcd.jetcd.Client;
import io.weft.labkit.etcd.EtcdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** LeaseStore's revoke against a real etcd: a grant that is gone is no error, any other refusal still is. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaseStoreEtcdTest {
    static EtcdServer etcd;
    static Client client;
    static LeaseStore store;

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdServer.startPlain();
        client = Client.builder().endpoints(etcd.clientUrl()).build();
        store = new LeaseStore(new EtcdCalls(client, Duration.ofSeconds(5), etcd.clientUrl()),
                new LeaseKeys(EtcdTestSupport.freshPrefix("store")));
    }

    @AfterAll
    static void stopEtcd() {
        if (client != null) {
            client.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void revokingAGrantTwiceIsNoErrorAndTheGrantIsGone() throws Exception {
        LeaseStore.Grant g = store.grant(Duration.ofSeconds(60));
        store.revoke(g.id());
        store.revoke(g.id());
        assertThat(client.getLeaseClient().timeToLive(g.id(), io.etcd.jetcd.options.LeaseOption.DEFAULT)
                .get(5, TimeUnit.SECONDS).getTTL()).isEqualTo(-1);
    }

    @Test
    void revokingAGrantEtcdNeverMadeIsNoError() throws Exception {
        store.revoke(0x7eadbeefL);
    }

    @Test
    void aRefusalOtherThanNotFoundIsStillAnError() {
        // A closed client fails the call without etcd's NOT_FOUND status: that must reach the caller.
        Client closed = Client.builder().endpoints(etcd.clientUrl()).build();
        closed.close();
        LeaseStore closedStore = new LeaseStore(new EtcdCalls(closed, Duration.ofSeconds(5), etcd.clientUrl()),
                new LeaseKeys(EtcdTestSupport.freshPrefix("closed")));
        assertThatThrownBy(() -> closedStore.revoke(0x7eadbeefL)).isInstanceOf(EtcdUnavailableException.class);
    }
}
