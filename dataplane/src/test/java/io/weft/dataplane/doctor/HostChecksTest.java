package io.weft.dataplane.doctor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The checks' judgement on given inputs; DoctorIT creates each condition for real in a namespace. */
class HostChecksTest {
    private static final String FLANNEL = "{\"name\":\"cbr0\",\"cniVersion\":\"0.3.1\",\"plugins\":[{\"type\":\"flannel\","
            + "\"delegate\":{\"hairpinMode\":true,\"isDefaultGateway\":true}},{\"type\":\"portmap\"}]}";
    private static final String CALICO = "{\"name\":\"k8s-pod-network\",\"plugins\":[{\"type\":\"calico\"},{\"type\":\"bandwidth\"}]}";
    @TempDir
    Path dir;

    @Test
    void aCalicoConfigThatSortsFirstFailsAndNamesBothFiles() throws Exception {
        Files.writeString(dir.resolve("10-calico.conflist"), CALICO);
        Files.writeString(dir.resolve("10-flannel.conflist"), FLANNEL);
        List<Finding> f = HostChecks.cniConfigs(dir);
        assertThat(f).hasSize(1);
        assertThat(f.get(0).status()).isEqualTo(Finding.Status.FAIL);
        assertThat(f.get(0).message()).contains("10-calico.conflist (calico, bandwidth) sorts first")
                .contains("instead of 10-flannel.conflist");
        assertThat(f.get(0).fix()).contains("mv " + dir.resolve("10-calico.conflist"));
    }

    @Test
    void aLeftoverAfterFlannelsConfigIsAWarningAndFlannelFirstIsOk() throws Exception {
        Files.writeString(dir.resolve("10-flannel.conflist"), FLANNEL);
        Files.writeString(dir.resolve("99-calico.conf"), CALICO);
        Files.writeString(dir.resolve("README"), "not a config");
        List<Finding> f = HostChecks.cniConfigs(dir);
        assertThat(f).extracting(Finding::status).containsExactly(Finding.Status.OK, Finding.Status.WARN);
        assertThat(f.get(1).message()).contains("99-calico.conf (calico, bandwidth) is left");
    }

    @Test
    void forwardingIsCheckedForEachFamilyTheNetworkCarries() throws Exception {
        Path sys = dir.resolve("sys");
        write(sys.resolve("net/ipv4/ip_forward"), "1\n");
        write(sys.resolve("net/ipv6/conf/all/forwarding"), "0\n");
        assertThat(HostChecks.ipForward(sys, true, false).status()).isEqualTo(Finding.Status.OK);
        Finding dual = HostChecks.ipForward(sys, true, true);
        assertThat(dual.status()).isEqualTo(Finding.Status.FAIL);
        assertThat(dual.message()).isEqualTo("net.ipv6.conf.all.forwarding = 0: this host does not forward IPv6 pod traffic");
        assertThat(dual.fix()).isEqualTo("sysctl -w net.ipv6.conf.all.forwarding=1, and set it in /etc/sysctl.d/ to keep it");
        write(sys.resolve("net/ipv4/ip_forward"), "0\n");
        Finding both = HostChecks.ipForward(sys, true, true);
        assertThat(both.message()).isEqualTo("net.ipv4.ip_forward = 0, net.ipv6.conf.all.forwarding = 0: this host does"
                + " not forward pod traffic");
        assertThat(both.fix()).startsWith("sysctl -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1,");
        write(sys.resolve("net/ipv6/conf/all/forwarding"), "1\n");
        Finding ipv6Only = HostChecks.ipForward(sys, false, true);
        assertThat(ipv6Only.status()).as("an IPv6-only network needs no IPv4 forwarding").isEqualTo(Finding.Status.OK);
        assertThat(ipv6Only.message()).isEqualTo("net.ipv6.conf.all.forwarding = 1");
    }

    @Test
    void sysctlsAreJudgedFromProcSys() throws Exception {
        Path sys = dir.resolve("sys");
        write(sys.resolve("net/ipv4/ip_forward"), "0\n");
        write(sys.resolve("net/ipv4/conf/all/rp_filter"), "0\n");
        write(sys.resolve("net/ipv4/conf/weft.1/rp_filter"), "1\n");
        assertThat(HostChecks.ipForward(sys).status()).isEqualTo(Finding.Status.FAIL);
        Finding rp = HostChecks.rpFilter(sys, "weft.1");
        assertThat(rp.status()).isEqualTo(Finding.Status.WARN);
        assertThat(rp.fix()).contains("net.ipv4.conf.weft.1.rp_filter=2");
        assertThat(HostChecks.bridgeNfCallIptables(sys).message()).contains("br_netfilter is not loaded");
        write(sys.resolve("net/ipv4/ip_forward"), "1\n");
        write(sys.resolve("net/ipv4/conf/weft.1/rp_filter"), "2\n");
        write(sys.resolve("net/bridge/bridge-nf-call-iptables"), "1\n");
        assertThat(List.of(HostChecks.ipForward(sys), HostChecks.rpFilter(sys, "weft.1"), HostChecks.bridgeNfCallIptables(sys)))
                .extracting(Finding::status).containsOnly(Finding.Status.OK);
    }

    @Test
    void mtuTooLargeForTheUnderlayFails() {
        assertThat(HostChecks.mtu("eth0", 1400, 1500, "weft.1", -1, 50).message()).contains("Backend.MTU 1500 is larger than the MTU 1400");
        assertThat(HostChecks.mtu("eth0", 1400, 0, "weft.1", 1450, 50).status()).isEqualTo(Finding.Status.FAIL);
        assertThat(HostChecks.mtu("eth0", 1500, 0, "weft.1", 1450, 50).status()).isEqualTo(Finding.Status.OK);
    }

    /** An IPv6-only network's TUN carries 70 bytes less than its IPv6 underlay: 1450 fits IPv4's 50, not IPv6's 70. */
    @Test
    void overAnIpv6UnderlayVxlanNeeds70Bytes() {
        Finding tooBig = HostChecks.mtu("eth0", 1500, 0, "weft.1", 1450, 70);
        assertThat(tooBig.status()).isEqualTo(Finding.Status.FAIL);
        assertThat(tooBig.message()).contains("VXLAN over IPv6 needs 70 bytes more than the underlay eth0 (MTU 1500)");
        assertThat(tooBig.fix()).contains("sizes weft.1 to 1430");
        assertThat(HostChecks.mtu("eth0", 1500, 0, "weft.1", 1430, 70).message())
                .isEqualTo("overlay MTU 1430 + 70 bytes of VXLAN over IPv6 fits eth0 (MTU 1500)");
        assertThat(HostChecks.mtu("eth0", 1500, 0, "weft.1", -1, 70).message()).startsWith("overlay MTU 1430 ");
    }

    @Test
    void portAndFlannelDevice() {
        assertThat(HostChecks.vxlanPort(8472, p -> Optional.of("process 42 (socat UDP-LISTEN:8472)"), -1).message())
                .contains("held by process 42 (socat");
        assertThat(HostChecks.vxlanPort(8472, p -> Optional.of("process 7 (java -jar weft.jar run)"), 8472).status())
                .isEqualTo(Finding.Status.OK);
        assertThat(HostChecks.vxlanPort(8472, p -> Optional.empty(), -1).status()).isEqualTo(Finding.Status.OK);
        String links = "[{\"ifindex\":1,\"ifname\":\"lo\"},{\"ifindex\":5,\"ifname\":\"flannel.1\"}]";
        assertThat(HostChecks.leftoverFlannelDevice(1, links, false).fix()).isEqualTo("ip link delete flannel.1");
        assertThat(HostChecks.leftoverFlannelDevice(1, links, true).fix()).contains("systemctl disable --now flanneld");
        assertThat(HostChecks.leftoverFlannelDevice(2, links, false).status()).isEqualTo(Finding.Status.OK);
    }

    @Test
    void theReportExitsNonZeroOnAWarning() {
        DoctorReport ok = new DoctorReport(List.of(Finding.ok("a", "fine"), Finding.info("b", "fyi")));
        DoctorReport bad = new DoctorReport(List.of(Finding.ok("a", "fine"), Finding.warn("c", "hmm", "do this")));
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.text()).endsWith("no problems found\n");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.text()).contains("[WARN] c               hmm").contains("fix: do this").endsWith("1 problem found\n");
    }

    private static void write(Path p, String s) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, s);
    }

    @Test
    void udpChecksumDropsAreAWarningThatNamesTheKernelPeersFix() throws Exception {
        Files.createDirectories(dir.resolve("net"));
        Files.writeString(dir.resolve("net/snmp"), "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors"
                + " InCsumErrors IgnoredMulti MemErrors\nUdp: 1532 0 14 1601 0 0 14 0 0\n");
        Finding f = HostChecks.udpChecksumErrors(dir, 4);
        assertThat(f.status()).isEqualTo(Finding.Status.WARN);
        assertThat(f.message()).contains("dropped 14 UDP datagram(s) with a bad checksum", "kernel flannel host", "NATed");
        assertThat(f.fix()).contains("ethtool -K flannel.4 tx-checksum-ip-generic off");

        Files.writeString(dir.resolve("net/snmp"), "Udp: InDatagrams InCsumErrors\nUdp: 1532 0\n");
        assertThat(HostChecks.udpChecksumErrors(dir, 4).status()).isEqualTo(Finding.Status.OK);
        assertThat(HostChecks.udpChecksumErrors(dir.resolve("nowhere"), 4).status()).isEqualTo(Finding.Status.INFO);
    }
}
