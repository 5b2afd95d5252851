package io.weft.dataplane.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The kernel's UDP checksum drops as read from /proc/net/snmp, and the journal lines the agent writes about them. */
class UdpChecksumErrorsTest {
    /** /proc/net/snmp of a Linux 6.1 namespace (Ip, Icmp and Tcp lines shortened), 14 checksum drops. */
    static final String SNMP = String.join("\n",
            "Ip: Forwarding DefaultTTL InReceives",
            "Ip: 1 64 2314",
            "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn InCsumErrors",
            "Tcp: 1 200 120000 -1 7",
            "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors",
            "Udp: 1532 0 14 1601 0 0 14 0 0",
            "UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors",
            "UdpLite: 0 0 0 0 0 0 3 0 0",
            "");
    @TempDir
    Path dir;

    @Test
    void theUdpFieldIsReadNotTcpsOrUdpLitesOfTheSameName() throws Exception {
        Path snmp = dir.resolve("snmp");
        Files.writeString(snmp, SNMP);
        assertThat(UdpChecksumErrors.read(snmp)).hasValue(14);
    }

    @Test
    void aMissingFileOrFieldIsUnknownNotZero() {
        assertThat(UdpChecksumErrors.read(dir.resolve("absent"))).isEmpty();
        assertThat(UdpChecksumErrors.parse("Udp: InDatagrams NoPorts InErrors\nUdp: 1 2 3\n")).isEmpty();
        assertThat(UdpChecksumErrors.parse("Ip: Forwarding\nIp: 1\n")).isEmpty();
    }

    @Test
    void aRiseIsReportedOnceWithTheFixThenAtMostOnceEveryFiveMinutesWithWhatAccumulated() {
        AtomicLong counter = new AtomicLong(40);
        List<String> warnings = new ArrayList<>();
        ChecksumErrorWatch watch = new ChecksumErrorWatch(() -> OptionalLong.of(counter.get()), warnings::add, 1);
        long t = 1_000;
        watch.check(t);
        assertThat(warnings).as("drops from before weft started are doctor's to report").isEmpty();

        counter.set(43);
        watch.check(t += TimeUnit.SECONDS.toNanos(5));
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).startsWith("the kernel dropped 3 UDP datagram(s) with a bad UDP checksum since weft started")
                .contains("Udp InCsumErrors", "kernel flannel host", "NATed", "ping works")
                .endsWith("ethtool -K flannel.1 tx-checksum-ip-generic off (flannel's troubleshooting guide, \"NAT\";"
                        + " a udev rule keeps it)");

        counter.set(50);
        watch.check(t += TimeUnit.SECONDS.toNanos(5));
        counter.set(52);
        watch.check(t += TimeUnit.MINUTES.toNanos(1));
        assertThat(warnings).as("quiet for five minutes").hasSize(1);

        watch.check(t += ChecksumErrorWatch.QUIET_NANOS);
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(1)).startsWith("the kernel dropped 9 UDP datagram(s) with a bad UDP checksum since the last report");

        watch.check(t += ChecksumErrorWatch.QUIET_NANOS);
        assertThat(warnings).as("nothing new, nothing said").hasSize(2);
    }

    @Test
    void anUnreadableCounterSaysNothing() {
        List<String> warnings = new ArrayList<>();
        ChecksumErrorWatch watch = new ChecksumErrorWatch(OptionalLong::empty, warnings::add, 1);
        watch.check(0);
        watch.check(ChecksumErrorWatch.QUIET_NANOS);
        assertThat(warnings).isEmpty();
    }
}
