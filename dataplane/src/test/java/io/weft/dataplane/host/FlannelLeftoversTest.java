package io.weft.dataplane.host;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What --replace-flannel takes for flanneld's, from iproute2's JSON. */
class FlannelLeftoversTest {
    private static final String LINKS = "[{\"ifindex\":5,\"ifname\":\"flannel.1\",\"flags\":[\"BROADCAST\"],\"mtu\":1450,"
            + "\"linkinfo\":{\"info_kind\":\"vxlan\",\"info_data\":{\"id\":1,\"local\":\"10.98.0.1\",\"link\":\"eth0\","
            + "\"port\":8472,\"learning\":false}}},"
            + "{\"ifindex\":6,\"ifname\":\"flannel.7\",\"linkinfo\":{\"info_kind\":\"vxlan\",\"info_data\":{\"id\":7,\"port\":8475}}},"
            + "{\"ifindex\":7,\"ifname\":\"flannel.9\",\"linkinfo\":{\"info_kind\":\"vxlan\",\"info_data\":{\"id\":9,\"port\":8472}}},"
            + "{\"ifindex\":8,\"ifname\":\"vx0\",\"linkinfo\":{\"info_kind\":\"vxlan\",\"info_data\":{\"id\":1,\"port\":8472}}}]";

    @Test
    void flanneldsDevicesAreThoseOfOurVniOrOnOurPort() {
        assertThat(FlannelLeftovers.devices(LINKS, 1, 8472)).extracting(FlannelLeftovers.Device::toString)
                .containsExactly("flannel.1 (VNI 1, local 10.98.0.1, port 8472)", "flannel.9 (VNI 9, local ?, port 8472)");
        assertThat(FlannelLeftovers.devices(LINKS, 7, 8475)).extracting(FlannelLeftovers.Device::name)
                .containsExactly("flannel.7");
        assertThat(FlannelLeftovers.devices("", 1, 8472)).isEmpty();
    }

    @Test
    void flanneldsDirectRoutesAreSubnetsOfTheNetworkViaAGateway() {
        String routes = "[{\"dst\":\"default\",\"gateway\":\"10.98.0.254\",\"dev\":\"eth0\",\"flags\":[]},"
                + "{\"dst\":\"10.98.0.0/24\",\"dev\":\"eth0\",\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"10.98.0.1\"},"
                + "{\"dst\":\"10.244.0.0/16\",\"dev\":\"weft.1\",\"scope\":\"link\",\"prefsrc\":\"10.244.1.0\"},"
                + "{\"dst\":\"10.244.1.0/24\",\"dev\":\"cni0\",\"protocol\":\"kernel\",\"scope\":\"link\"},"
                + "{\"dst\":\"10.244.2.0/24\",\"gateway\":\"10.98.0.2\",\"dev\":\"eth0\",\"flags\":[]},"
                + "{\"dst\":\"10.244.3.0/24\",\"gateway\":\"10.98.0.3\",\"dev\":\"eth0\",\"protocol\":\"87\",\"flags\":[]},"
                + "{\"dst\":\"10.244.4.0/24\",\"gateway\":\"10.244.4.0\",\"dev\":\"weft.1\",\"flags\":[\"onlink\"]},"
                + "{\"dst\":\"192.168.5.0/24\",\"gateway\":\"10.98.0.7\",\"dev\":\"eth0\",\"flags\":[]}]";
        assertThat(FlannelLeftovers.directRoutes(routes, Subnet.parse("10.244.0.0/16"), "weft.1"))
                .extracting(FlannelLeftovers.DirectRoute::toString).containsExactly("10.244.2.0/24 via 10.98.0.2 dev eth0");
    }
}
