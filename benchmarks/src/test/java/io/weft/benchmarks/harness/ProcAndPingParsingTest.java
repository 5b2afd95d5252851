package io.weft.benchmarks.harness;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcAndPingParsingTest {

    @Test
    void cpuTicksAreUtimePlusStimeCountedFromTheLastParenthesis() {
        // A command name with spaces and a ')' must not shift the fields: utime 1500, stime 320.
        String stat = "4242 (java (weft) x) S 1 4242 4242 0 -1 4194560 12345 0 0 0 1500 320 0 0 20 0 25 0 777 3000000000 36000 "
                + "18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0";
        assertThat(ProcStat.parseCpuTicks(stat)).isEqualTo(1820);
    }

    @Test
    void systemBusyTicksAreEverythingButIdleAndIowait() {
        String stat = "cpu  100 2 30 5000 7 4 9 1 0 0\ncpu0 50 1 15 2500 3 2 4 0 0 0\nintr 1 2 3\n";
        assertThat(ProcStat.parseBusyTicks(stat)).isEqualTo(100 + 2 + 30 + 4 + 9 + 1);
        assertThatThrownBy(() -> ProcStat.parseBusyTicks("intr 1 2\n")).isInstanceOf(BenchException.class);
        assertThat(ProcStat.systemBusySeconds()).isPositive();
    }

    @Test
    void aBrokenStatLineIsAnErrorNotAZero() {
        assertThatThrownBy(() -> ProcStat.parseCpuTicks("4242 java S 1")).isInstanceOf(BenchException.class);
        assertThatThrownBy(() -> ProcStat.parseCpuTicks("4242 (java) S 1 2 3")).isInstanceOf(BenchException.class);
    }

    @Test
    void peakRssIsVmHwm() {
        String status = "Name:\tjava\nVmPeak:\t 3000000 kB\nVmSize:\t 2900000 kB\nVmHWM:\t  146112 kB\nVmRSS:\t  140000 kB\n";
        assertThat(ProcStat.parseVmHwmKiB(status)).isEqualTo(146112);
        assertThatThrownBy(() -> ProcStat.parseVmHwmKiB("Name:\tjava\nState:\tZ (zombie)\n")).isInstanceOf(BenchException.class)
                .hasMessageContaining("VmHWM");
    }

    @Test
    void ourOwnProcessHasCpuTimeAndAPeak() {
        long pid = ProcessHandle.current().pid();
        assertThat(ProcStat.cpuSeconds(pid)).isPositive();
        assertThat(ProcStat.peakRssKiB(pid)).isGreaterThan(1024);
    }

    @Test
    void pingRoundTripsAreReadInMicroseconds() {
        String out = """
                PING 10.244.2.0 (10.244.2.0) 56(84) bytes of data.
                64 bytes from 10.244.2.0: icmp_seq=1 ttl=64 time=0.202 ms
                64 bytes from 10.244.2.0: icmp_seq=2 ttl=64 time=0.057 ms
                64 bytes from 10.244.2.0: icmp_seq=4 ttl=64 time=12.5 ms

                --- 10.244.2.0 ping statistics ---
                4 packets transmitted, 3 received, 25% packet loss, time 31ms
                rtt min/avg/max/mdev = 0.057/4.253/12.500/5.8 ms
                """;
        assertThat(Ping.parseMicros(out)).containsExactly(202.0, 57.0, 12500.0);
        assertThat(Ping.parseMicros("connect: Network is unreachable")).isEmpty();
    }

    @Test
    void cpuModelIsTheFirstModelName() {
        String cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n";
        assertThat(Environment.cpuModel(cpuinfo)).isEqualTo("AMD EPYC 7B13");
        assertThat(Environment.cpuModel("processor\t: 0\n")).isEqualTo("unknown");
    }
}
