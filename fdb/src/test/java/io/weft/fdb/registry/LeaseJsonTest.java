package io.weft.fdb.registry;

import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeaseJsonTest {
    static final String KEY = "/coreos.com/network/subnets/10.244.1.0-24";
    static final String FLANNELD = "{\"PublicIP\":\"192.168.64.3\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","
            + "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}}";

    static Lease lease(String publicIp, String mac) {
        return new Lease(Subnet.parse("10.244.1.0/24"), (Inet4Address) Subnet.parseAddress(publicIp), null, null,
                "vxlan", new BackendData(1, MacAddress.parse(mac)), null, null);
    }

    @Test
    void encodesExactlyAsFlanneld() {
        assertThat(LeaseJson.encode(lease("192.168.64.3", "C6:D2:32:6F:8F:44"))).isEqualTo(FLANNELD);
    }

    @Test
    void encodesDualStackWithV6DataAfterBackendData() {
        Lease l = new Lease(Subnet.parse("10.244.1.0/24"), (Inet4Address) Subnet.parseAddress("192.168.64.3"),
                Subnet.parse("fd00:0:0:1::/64"), (Inet6Address) Subnet.parseAddress("fd00::10"), "vxlan",
                new BackendData(1, MacAddress.parse("c6:d2:32:6f:8f:44")), new BackendData(1, MacAddress.parse("aa:bb:cc:dd:ee:01")), null);
        assertThat(LeaseJson.encode(l)).isEqualTo("{\"PublicIP\":\"192.168.64.3\",\"PublicIPv6\":\"fd00::10\",\"BackendType\":\"vxlan\","
                + "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"},\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"aa:bb:cc:dd:ee:01\"}}");
    }

    @Test
    void decodesFlanneldValueAndRoundTrips() throws Exception {
        Lease l = LeaseJson.decode(KEY, FLANNELD);
        assertThat(l.subnet()).isEqualTo(Subnet.parse("10.244.1.0/24"));
        assertThat(l.publicIp().getHostAddress()).isEqualTo("192.168.64.3");
        assertThat(l.publicIpv6()).isNull();
        assertThat(l.isVxlan()).isTrue();
        assertThat(l.backendData()).isEqualTo(new BackendData(1, MacAddress.parse("c6:d2:32:6f:8f:44")));
        assertThat(LeaseJson.encode(l)).isEqualTo(FLANNELD);
    }

    @Test
    void decodesTheOldFormWithoutVniAndReEncodesIt() throws Exception {
        String old = "{\"PublicIP\":\"10.0.0.5\",\"BackendType\":\"vxlan\",\"BackendData\":{\"VtepMAC\":\"0e:2a:00:00:00:01\"}}";
        Lease l = LeaseJson.decode(KEY, old);
        assertThat(l.backendData().vni()).isEqualTo(BackendData.NO_VNI);
        assertThat(l.backendData().vtepMac()).isEqualTo(MacAddress.parse("0e:2a:00:00:00:01"));
        assertThat(LeaseJson.encode(l)).isEqualTo("{\"PublicIP\":\"10.0.0.5\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","
                + "\"BackendData\":{\"VtepMAC\":\"0e:2a:00:00:00:01\"}}");
    }

    @Test
    void decodesDualStackKeyAndValue() throws Exception {
        String key = "/coreos.com/network/subnets/10.244.1.0-24&fd00:0:0:1::-64";
        String v = "{\"PublicIP\":\"192.168.64.3\",\"PublicIPv6\":\"fd00::10\",\"BackendType\":\"vxlan\","
                + "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"},\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"aa:bb:cc:dd:ee:01\"}}";
        Lease l = LeaseJson.decode(key, v);
        assertThat(l.ipv6Subnet()).isEqualTo(Subnet.parse("fd00:0:0:1::/64"));
        assertThat(Subnet.formatAddress(l.publicIpv6())).isEqualTo("fd00::10");
        assertThat(l.backendV6Data().vtepMac()).isEqualTo(MacAddress.parse("aa:bb:cc:dd:ee:01"));
        assertThat(LeaseJson.encode(l)).isEqualTo(v);
    }

    @Test
    void aDualStackValueWhoseIpv6HalfDoesNotParseKeepsItsIpv4HalfAndItsIpv6Subnet() throws Exception {
        String key = "/coreos.com/network/subnets/10.244.1.0-24&fd00:0:0:1::-64";
        String v4 = "\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}";
        for (String v : List.of(
                "{\"PublicIP\":\"192.168.64.3\",\"PublicIPv6\":\"fd00::zz\"," + v4
                        + ",\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"aa:bb:cc:dd:ee:01\"}}",
                "{\"PublicIP\":\"192.168.64.3\",\"PublicIPv6\":\"fd00::10\"," + v4
                        + ",\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"nope\"}}")) {
            Lease l = LeaseJson.decode(key, v);
            assertThat(l.isVxlan()).isTrue();
            assertThat(l.subnet()).isEqualTo(Subnet.parse("10.244.1.0/24"));
            assertThat(l.backendData().vtepMac()).isEqualTo(MacAddress.parse("c6:d2:32:6f:8f:44"));
            // still named, so the IPv6 subnet is never handed to another node; but nothing to send IPv6 traffic to
            assertThat(l.ipv6Subnet()).isEqualTo(Subnet.parse("fd00:0:0:1::/64"));
            assertThat(l.publicIpv6()).isNull();
            assertThat(l.backendV6Data()).isNull();
        }
    }

    @Test
    void anIpv6OnlyValueWhoseIpv6PartDoesNotParseIsRefusedWhole() {
        String key = "/coreos.com/network/subnets/0.0.0.0-0&fd00:0:0:1::-64";
        assertThatThrownBy(() -> LeaseJson.decode(key, "{\"PublicIP\":\"0.0.0.0\",\"PublicIPv6\":\"fd00::zz\","
                + "\"BackendType\":\"vxlan\",\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"aa:bb:cc:dd:ee:01\"}}"))
                .hasMessage("lease " + key + " does not parse: PublicIPv6 \"fd00::zz\" is not an IP address");
    }

    @Test
    void anIpv6OnlyLeaseWithOnlyBackendV6DataIsVxlan() throws Exception {
        Lease l = LeaseJson.decode("/coreos.com/network/subnets/0.0.0.0-0&fd00:0:0:1::-64", "{\"PublicIP\":\"0.0.0.0\","
                + "\"PublicIPv6\":\"fd00::3\",\"BackendType\":\"vxlan\",\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"aa:bb:cc:dd:ee:01\"}}");
        assertThat(l.isVxlan()).isTrue();
        assertThat(l.backendData()).isNull();
    }

    @Test
    void matchesNamesCaseInsensitivelyAndLastDuplicateWinsAsGoDoes() throws Exception {
        String v = "{\"publicip\":\"10.0.0.1\",\"PUBLICIP\":\"10.0.0.2\",\"backendtype\":\"vxlan\","
                + "\"backenddata\":{\"vni\":7,\"vtepmac\":\"02:00:00:00:00:01\"},\"Unknown\":1}";
        Lease l = LeaseJson.decode(KEY, v);
        assertThat(l.publicIp().getHostAddress()).isEqualTo("10.0.0.2");
        assertThat(l.backendData()).isEqualTo(new BackendData(7, MacAddress.parse("02:00:00:00:00:01")));
    }

    @Test
    void nonVxlanLeasesDecodeWithoutBackendData() throws Exception {
        Lease l = LeaseJson.decode(KEY, "{\"PublicIP\":\"10.0.0.1\",\"BackendType\":\"host-gw\"}");
        assertThat(l.isVxlan()).isFalse();
        Lease udp = LeaseJson.decode(KEY, "{\"PublicIP\":\"10.0.0.1\",\"BackendType\":\"udp\",\"BackendData\":{\"whatever\":1}}");
        assertThat(udp.isVxlan()).isFalse();
    }

    @Test
    void badValuesNameTheKeyAndTheField() {
        assertThatThrownBy(() -> LeaseJson.decode(KEY, "{\"PublicIP\":\"not-an-ip\",\"BackendType\":\"vxlan\"}"))
                .isInstanceOf(MalformedLeaseException.class)
                .hasMessage("lease " + KEY + " does not parse: PublicIP \"not-an-ip\" is not an IP address");
        assertThatThrownBy(() -> LeaseJson.decode(KEY, "{\"PublicIP\":\"10.0.0.1\",\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"zz\"}}"))
                .hasMessage("lease " + KEY + " does not parse: BackendData.VtepMAC \"zz\" is not a MAC address");
        assertThatThrownBy(() -> LeaseJson.decode(KEY, "{\"PublicIP\":\"10.0.0.1\",\"BackendType\":\"vxlan\"}"))
                .hasMessageContaining("BackendData is missing");
        assertThatThrownBy(() -> LeaseJson.decode(KEY, "{\"PublicIP\":\"10.0.0.1\",\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":\"1\",\"VtepMAC\":\"02:00:00:00:00:01\"}}"))
                .hasMessageContaining("BackendData.VNI \"1\" is not a number");
        assertThatThrownBy(() -> LeaseJson.decode(KEY, "{not json"))
                .hasMessageStartingWith("lease " + KEY + " does not parse: value is not JSON");
        assertThatThrownBy(() -> LeaseJson.decode(KEY, "{\"PublicIP\":\"fd00::1\"}"))
                .hasMessageContaining("PublicIP \"fd00::1\" is not an IPv4 address");
        assertThatThrownBy(() -> LeaseJson.decode("/coreos.com/network/subnets/garbage", FLANNELD))
                .hasMessageContaining("lease key \"/coreos.com/network/subnets/garbage\" is not of the form");
    }
}
