package io.weft.dataplane.tun;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TunQueueDropsTest {
    private static final String HEADER = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            """;

    private static String table(long weftTxDrops) {
        return HEADER
                + "    lo: 10561174   40969    0    0    0     0          0         0 10561174   40969    0    0    0     0       0          0\n"
                // A figure too wide for its column leaves no space after the colon, as the kernel prints it.
                + "weft.1:123456789012 887766    0    7    0     0          0         0 99887766  55443    0 " + weftTxDrops
                + "    0     0       0          0\n"
                + "  eth0:    1000      10    0    0    0     0          0         0     2000      20    0   99    0     0       0          0\n";
    }

    @Test
    void readsTheTransmitDropColumnOfTheNamedDevice() {
        assertThat(TunQueueDrops.parse(table(4321), "weft.1")).hasValue(4321);
        assertThat(TunQueueDrops.parse(table(4321), "eth0")).hasValue(99);
        assertThat(TunQueueDrops.parse(table(4321), "lo")).hasValue(0);
    }

    @Test
    void aDeviceNotListedOrAPrefixOfAnotherHasNoCount() {
        assertThat(TunQueueDrops.parse(table(1), "weft.2")).isEmpty();
        assertThat(TunQueueDrops.parse(table(1), "weft")).isEmpty();
        assertThat(TunQueueDrops.parse(table(1), "face |bytes")).isEmpty();
    }

    @Test
    void countsFromTheFigureAtStart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dev");
        Files.writeString(file, table(1000));
        TunQueueDrops drops = TunQueueDrops.from(file, "weft.1");
        assertThat(drops.count()).isZero();
        Files.writeString(file, table(1523));
        assertThat(drops.count()).isEqualTo(523);
        Files.writeString(file, HEADER);
        assertThat(drops.count()).as("the device is gone").isZero();
        Files.delete(file);
        assertThat(drops.count()).as("the table cannot be read").isZero();
    }
}
