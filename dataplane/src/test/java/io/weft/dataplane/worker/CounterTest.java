package io.weft.dataplane.worker;

import io.weft.vtep.DecapDrop;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class CounterTest {
    @Test
    void everyDropReasonOfTheWireCheckHasItsOwnDropCounter() {
        Set<Counter> used = EnumSet.noneOf(Counter.class);
        for (DecapDrop reason : DecapDrop.values()) {
            Counter c = Counter.forDrop(reason);
            if (reason.isDrop()) {
                assertThat(c).as(reason.metricName()).isNotNull();
                assertThat(c.key()).as(reason.metricName()).startsWith("drop_");
                assertThat(used.add(c)).as("%s shares %s", reason, c).isTrue();
            } else {
                assertThat(c).as("ARP is answered, not dropped").isNull();
            }
        }
    }

    @Test
    void countersPublishedByTheOwnerAreReadByAnotherThread() throws InterruptedException {
        WorkerCounters counters = new WorkerCounters();
        Thread owner = new Thread(() -> {
            for (int i = 0; i < 1000; i++) {
                counters.increment(Counter.RX_PACKETS);
                counters.countTx(0x0A000001, 1, 100);
            }
        });
        owner.start();
        owner.join();
        assertThat(counters.get(Counter.RX_PACKETS)).isEqualTo(1000);
        assertThat(counters.get(Counter.TX_BYTES)).isEqualTo(100_000);
        assertThat(counters.peers().snapshot().get(0x0A000001)).containsExactly(1000, 100_000, 0, 0);
    }
}
