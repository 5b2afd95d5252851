package io.weft.fdb.registry;

import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The resume-within-the-backoff promise rests on reaching jetcd's channel; a jetcd upgrade that hides it fails here. */
class EtcdReconnectTest {
    @Test
    void reachesTheChannelOfTheJetcdClientWeftBuilds() {
        try (Client client = EtcdClients.create(EtcdOptions.defaults().withEndpoints("http://127.0.0.1:1"))) {
            EtcdReconnect reconnect = EtcdReconnect.of(client);
            assertThat(reconnect.works()).isTrue();
            reconnect.run();
        }
    }
}
