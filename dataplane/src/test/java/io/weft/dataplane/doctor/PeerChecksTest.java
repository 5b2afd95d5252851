package io.weft.dataplane.doctor;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PeerChecksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aPeerOnAnotherPathThanItsPublicIpSaysWhich() throws Exception {
        List<Finding> f = PeerChecks.fromProbeReply(JSON.readTree("{\"publicIp\":\"10.98.0.110\",\"waitMillis\":3000,"
                + "\"peers\":[{\"subnet\":\"10.244.64.0/24\",\"publicIp\":\"10.98.0.111\",\"port\":8472,\"vtep\":\"10.244.64.0\","
                + "\"answered\":true,\"rttMs\":0.4,\"path\":\"private\",\"endpoint\":\"10.0.0.3:8472\"},"
                + "{\"subnet\":\"10.244.90.0/24\",\"publicIp\":\"10.98.0.13\",\"port\":8472,\"vtep\":\"10.244.90.0\","
                + "\"answered\":true,\"rttMs\":1.5,\"path\":\"public\",\"endpoint\":\"10.98.0.13:8472\"}]}"));
        assertThat(f.get(0).toString()).contains("peer 10.244.64.0/24 at 10.98.0.111:8472 answers through the tunnel"
                + " (VTEP 10.244.64.0, RTT 0.4 ms, over the private path 10.0.0.3:8472)");
        assertThat(f.get(1).toString()).contains("(VTEP 10.244.90.0, RTT 1.5 ms)");
    }

    @Test
    void aPeerOnTcpWarnsWithTheReasonAndAKernelPeerThatGetsNoAnswerIsToldWhy() throws Exception {
        List<Finding> f = PeerChecks.fromProbeReply(JSON.readTree("{\"publicIp\":\"10.98.0.12\",\"waitMillis\":3000,"
                + "\"peers\":[{\"subnet\":\"10.244.62.0/24\",\"publicIp\":\"10.98.0.11\",\"port\":8472,\"vtep\":\"10.244.62.0\","
                + "\"answered\":true,\"rttMs\":7.2,\"path\":\"tcp\",\"endpoint\":\"10.98.0.11:8472\",\"weft\":true,"
                + "\"why\":\"UDP 8472 to 10.98.0.11 gets no answer; TCP 8472 works\"},"
                + "{\"subnet\":\"10.244.39.0/24\",\"publicIp\":\"10.98.0.13\",\"port\":8472,\"vtep\":\"10.244.39.0\","
                + "\"answered\":false,\"path\":\"public\",\"endpoint\":\"10.98.0.13:8472\",\"weft\":false}]}"));
        assertThat(f.get(0).status()).isEqualTo(Finding.Status.WARN);
        assertThat(f.get(0).toString()).contains("peer 10.244.62.0/24 at 10.98.0.11:8472 answers through the tunnel only over"
                + " TCP (10.98.0.11:8472, RTT 7.2 ms): UDP 8472 to 10.98.0.11 gets no answer; TCP 8472 works");
        assertThat(f.get(1).status()).isEqualTo(Finding.Status.FAIL);
        assertThat(f.get(1).toString()).contains("weft peers reach this host only over their TCP fallback, so UDP 8472 is"
                + " dropped on the way, and this peer (flanneld, no TCP fallback) cannot reach it at all");
    }

    @Test
    void anIpv6PeerIsJudgedByItsIpv6ProbeWithTheIpv6Causes() throws Exception {
        List<Finding> f = PeerChecks.fromProbeReply(JSON.readTree("{\"publicIp\":\"10.98.0.12\",\"publicIpv6\":\"fd98::12\","
                + "\"waitMillis\":3000,\"peers\":[{\"subnet\":\"fd44:0:0:2::/64\",\"publicIp\":\"fd98::2\",\"port\":8472,"
                + "\"vtep\":\"fd44:0:0:2::\",\"ipv6\":true,\"answered\":true,\"rttMs\":0.6,\"weft\":false},"
                + "{\"subnet\":\"fd44:0:0:3::/64\",\"publicIp\":\"fd98::3\",\"port\":8472,\"vtep\":\"fd44:0:0:3::\","
                + "\"ipv6\":true,\"answered\":false,\"weft\":false}]}"));
        assertThat(f.get(0).status()).isEqualTo(Finding.Status.OK);
        assertThat(f.get(0).toString()).contains("peer fd44:0:0:2::/64 at [fd98::2]:8472 answers through the tunnel"
                + " (VTEP fd44:0:0:2::, RTT 0.6 ms)");
        assertThat(f.get(1).status()).isEqualTo(Finding.Status.FAIL);
        assertThat(f.get(1).toString()).contains("no answer over IPv6 from its IPv6 VTEP fd44:0:0:3::")
                .contains("allow UDP 8472 from fd98::12 to fd98::3").contains("-public-ipv6").doesNotContain("NAT");
    }
}
