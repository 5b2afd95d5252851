package io.weft.fdb.path;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WeftAdvertJsonTest {
    private static Inet4Address ip(String s) {
        return (Inet4Address) Subnet.parseAddress(s);
    }

    @Test
    void encodesTheFieldsItHasInAFixedOrder() {
        assertThat(WeftAdvertJson.encode(WeftAdvert.of(ip("10.0.1.5"), 8472)))
                .isEqualTo("{\"Version\":1,\"PrivateIP\":\"10.0.1.5\",\"TcpPort\":8472}");
        assertThat(WeftAdvertJson.encode(WeftAdvert.of(null, 0))).isEqualTo("{\"Version\":1}");
    }

    @Test
    void decodesWhatItEncodes() {
        WeftAdvert a = WeftAdvert.of(ip("192.168.7.20"), 443);
        assertThat(WeftAdvertJson.decode("k", WeftAdvertJson.encode(a))).isEqualTo(a);
        assertThat(WeftAdvertJson.decode("k", "{\"Version\":1}")).isEqualTo(WeftAdvert.of(null, 0));
    }

    @Test
    void namesMatchInAnyCaseAndUnknownFieldsOfALaterVersionAreSkipped() {
        WeftAdvert a = WeftAdvertJson.decode("k", "{\"version\":3,\"privateip\":\"10.0.0.1\",\"TCPPORT\":9000,"
                + "\"Quic\":{\"Port\":1}}");
        assertThat(a).isEqualTo(new WeftAdvert(3, ip("10.0.0.1"), 9000));
    }

    @Test
    void eachMistakeIsNamedInOneLine() {
        assertThatThrownBy(() -> WeftAdvertJson.decode("/p/weft/10.244.1.0-24", "{\"Version\":1,\"PrivateIP\":\"fd00::1\"}"))
                .hasMessage("weft advert /p/weft/10.244.1.0-24 '{\"Version\":1,\"PrivateIP\":\"fd00::1\"}' does not parse:"
                        + " PrivateIP \"fd00::1\" is not an IPv4 address; the peer is treated as a plain flannel peer");
        assertThatThrownBy(() -> WeftAdvertJson.decode("k", "{\"PrivateIP\":\"10.0.0.1\"}"))
                .hasMessageContaining("Version must be a whole number of at least 1");
        assertThatThrownBy(() -> WeftAdvertJson.decode("k", "{\"Version\":0}"))
                .hasMessageContaining("Version must be");
        assertThatThrownBy(() -> WeftAdvertJson.decode("k", "{\"Version\":1,\"TcpPort\":70000}"))
                .hasMessageContaining("TcpPort 70000 is not a port number");
        assertThatThrownBy(() -> WeftAdvertJson.decode("k", "{\"Version\":1,\"TcpPort\":\"8472\"}"))
                .hasMessageContaining("TcpPort \"8472\" is not a port number");
        assertThatThrownBy(() -> WeftAdvertJson.decode("k", "[1]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> WeftAdvertJson.decode("k", "{\"Version\":")).hasMessageContaining("not JSON");
    }
}
