package io.weft.dataplane.agent;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessAgeTest {
    @Test
    void theStartIsField22OfStatInClockTicks() {
        String[] fromState = new String[50]; // /proc/self/stat from field 3 (the state) on
        Arrays.fill(fromState, "0");
        fromState[22 - 3] = "3186093"; // starttime: 31860.93 s after boot
        assertThat(ProcessAge.startMillis(fromState)).isEqualTo(31_860_930L);
    }

    @Test
    void thisProcessHasAnAge() {
        assertThat(ProcessAge.millis()).as("read from /proc on Linux").isGreaterThanOrEqualTo(0);
    }
}
