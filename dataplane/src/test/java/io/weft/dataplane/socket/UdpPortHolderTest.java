package io.weft.dataplane.socket;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UdpPortHolderTest {
    private static final String PROC_NET_UDP = String.join("\n",
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
            "  123: 00000000:2118 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 2 0000000000000000 0",
            "  124: 0100007F:2123 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 98765 2 0000000000000000 0",
            "  125: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 4242 2 0000000000000000 0");

    @Test
    void findsTheSocketsBoundToThePortWithTheirInodes() {
        assertThat(UdpPortHolder.parseProcNetUdp("udp", PROC_NET_UDP, 8472))
                .containsExactly(new UdpPortHolder.BoundSocket("udp", 0));
        assertThat(UdpPortHolder.parseProcNetUdp("udp", PROC_NET_UDP, 8483))
                .containsExactly(new UdpPortHolder.BoundSocket("udp", 98765));
        assertThat(UdpPortHolder.parseProcNetUdp("udp", PROC_NET_UDP, 8475)).isEmpty();
    }

    @Test
    void findsTheVxlanDeviceByItsDstport() {
        String json = "[{\"ifindex\":5,\"ifname\":\"flannel.1\",\"mtu\":1450,\"linkinfo\":{\"info_kind\":\"vxlan\",\"info_data\":"
                + "{\"id\":1,\"port_range\":{\"low\":0,\"high\":0},\"port\":8472,\"learning\":false}}},"
                + "{\"ifindex\":6,\"ifname\":\"vx2\",\"linkinfo\":{\"info_kind\":\"vxlan\",\"info_data\":{\"id\":2,\"port\":4789}}}]";
        assertThat(UdpPortHolder.parseVxlanDevices(json, 8472)).isEqualTo(List.of("flannel.1"));
        assertThat(UdpPortHolder.parseVxlanDevices(json, 4789)).isEqualTo(List.of("vx2"));
        assertThat(UdpPortHolder.parseVxlanDevices(json, 8475)).isEmpty();
    }

    @Test
    void theMessageNamesThePortTheHolderAndTheSetting() {
        assertThat(UdpPortHolder.inUseMessage(8472, "the kernel vxlan device flannel.1"))
                .isEqualTo("UDP port 8472 is already in use by the kernel vxlan device flannel.1; free it, or set \"Port\""
                        + " in the Backend section of the network config (Backend.Port) to another port on every node");
    }
}
