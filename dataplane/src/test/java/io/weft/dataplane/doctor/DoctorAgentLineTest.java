package io.weft.dataplane.doctor;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DoctorAgentLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An IPv6-only agent is described by its IPv6 half, not by flannel's placeholder PublicIP 0.0.0.0. */
    @Test
    void anIpv6OnlyAgentByItsIpv6Half() throws Exception {
        assertThat(Doctor.agentLine(JSON.readTree("{\"device\":\"weft.1\",\"subnet\":null,\"ipv6Subnet\":"
                + "\"fd00:20:244:2::/64\",\"publicIpv6\":\"fd98::2\",\"publicIp\":\"0.0.0.0\",\"peers\":2}")))
                .isEqualTo("weft runs: IPv6 subnet fd00:20:244:2::/64 on weft.1, PublicIPv6 fd98::2, 2 peer(s)");
    }

    @Test
    void ipv4AndDualStackAgents() throws Exception {
        assertThat(Doctor.agentLine(JSON.readTree("{\"device\":\"weft.1\",\"subnet\":\"10.244.1.0/24\","
                + "\"publicIp\":\"10.98.0.1\",\"peers\":1}")))
                .isEqualTo("weft runs: subnet 10.244.1.0/24 on weft.1, PublicIP 10.98.0.1, 1 peer(s)");
        assertThat(Doctor.agentLine(JSON.readTree("{\"device\":\"weft.1\",\"subnet\":\"10.244.1.0/24\",\"ipv6Subnet\":"
                + "\"fd00:20:244:1::/64\",\"publicIpv6\":\"fd98::1\",\"publicIp\":\"10.98.0.1\",\"peers\":1}")))
                .isEqualTo("weft runs: subnet 10.244.1.0/24 and IPv6 subnet fd00:20:244:1::/64 on weft.1,"
                        + " PublicIP 10.98.0.1, PublicIPv6 fd98::1, 1 peer(s)");
    }
}
