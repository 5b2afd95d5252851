package io.weft.fdb;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The network config is hand-written JSON. Properties: only {@link ConfigException} (one readable line) escapes,
 * and a config that parses describes a usable range: SubnetMin and SubnetMax lie inside Network at SubnetLen.
 */
class NetworkConfigFuzzTest {

    @FuzzTest
    void parse(byte[] input) {
        NetworkConfig c;
        try {
            c = NetworkConfig.parse(new String(input, StandardCharsets.UTF_8));
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
            return;
        }
        assertThat(c.enableIpv4() || c.enableIpv6()).isTrue();
        if (c.network() != null) {
            assertThat(c.network().contains(c.subnetMin())).isTrue();
            assertThat(c.network().contains(c.subnetMax())).isTrue();
            assertThat(c.subnetMin().compareTo(c.subnetMax())).isLessThanOrEqualTo(0);
            assertThat(c.inRange(c.subnetMin())).isTrue();
            assertThat(c.subnetCount()).isPositive();
        }
        if (c.ipv6Network() != null) {
            assertThat(c.ipv6Network().contains(c.ipv6SubnetMin())).isTrue();
            assertThat(c.inRange(c.ipv6SubnetMax())).isTrue();
        }
        assertThat(c.backend().vni()).isBetween(0, (1 << 24) - 1);
        assertThat(c.backend().effectivePort()).isBetween(1, 65535);
    }
}
