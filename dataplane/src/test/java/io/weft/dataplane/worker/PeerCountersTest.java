package io.weft.dataplane.worker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PeerCountersTest {
    @Test
    void countsPerPeerAndSurvivesGrowth() {
        PeerCounters c = new PeerCounters();
        for (int peer = 0; peer < 100; peer++) {
            for (int i = 0; i <= peer % 3; i++) {
                c.count(0x0A630000 + peer, PeerCounters.TX_PACKETS, 100);
            }
            c.count(0x0A630000 + peer, PeerCounters.RX_PACKETS, 7);
        }
        assertThat(c.snapshot()).hasSize(100);
        assertThat(c.snapshot().get(0x0A630000 + 5)).containsExactly(3, 300, 1, 7);
        assertThat(c.snapshot().get(0x0A630000 + 99)).containsExactly(1, 100, 1, 7);
    }
}
