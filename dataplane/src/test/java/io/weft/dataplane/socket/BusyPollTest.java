package io.weft.dataplane.socket;

import io.weft.dataplane.os.LibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code --busy-poll-us}: off by default, one line for a value it cannot take, and the kernel takes the option. */
class BusyPollTest {
    @AfterEach
    void clear() {
        System.clearProperty(BusyPoll.PROPERTY);
    }

    @Test
    void offUnlessAskedFor() {
        assertThat(BusyPoll.wanted()).isZero();
        System.setProperty(BusyPoll.PROPERTY, "50");
        assertThat(BusyPoll.wanted()).isEqualTo(50);
    }

    @Test
    void aValueOutOfRangeOrNotANumberIsOneLineNamingTheFlag() {
        for (String bad : new String[] {"-1", "1001", "fast"}) {
            System.setProperty(BusyPoll.PROPERTY, bad);
            assertThatThrownBy(BusyPoll::wanted).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--busy-poll-us wants a whole number of microseconds from 0 (off) to 1000, got " + bad);
        }
    }

    @Test
    void theKernelTakesItOnAUdpSocketAsRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")), "SO_BUSY_POLL above net.core.busy_read needs CAP_NET_ADMIN");
        int fd = LibC.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0);
        assertThat(fd).isGreaterThanOrEqualTo(0);
        try {
            assertThat(BusyPoll.apply(fd, 50)).as("setsockopt(SO_BUSY_POLL, 50), errno %d", LibC.errno()).isTrue();
            assertThat(BusyPoll.apply(fd, 0)).isTrue();
        } finally {
            LibC.close(fd);
        }
    }
}
