package io.weft.fdb;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The IPv6 half of flannel's {@code CheckNetworkConfig}, beside the tests of {@link NetworkConfigTest}. */
class Ipv6ConfigTest {
    private static final String DUAL = "\"Network\": \"10.5.0.0/16\", \"EnableIPv6\": true, ";
    private static final String VXLAN = ", \"Backend\": {\"Type\": \"vxlan\"}}";

    @Test
    void theUnspecifiedAddressMeansNotSetAsFlannelsIsEmptyReadsIt() throws Exception {
        NetworkConfig c = NetworkConfig.parse("{" + DUAL + "\"IPv6Network\": \"fd00:1::/56\","
                + " \"IPv6SubnetMin\": \"::\", \"IPv6SubnetMax\": \"::\"" + VXLAN);
        assertThat(c.ipv6SubnetMin()).isEqualTo(Subnet.parse("fd00:1:0:1::/64"));
        assertThat(c.ipv6SubnetMax()).isEqualTo(Subnet.parse("fd00:1:0:ff::/64"));
    }

    @Test
    void aSmallNetworkIsSplitInFourAndTheFirstSubnetIsSkipped() throws Exception {
        NetworkConfig c = NetworkConfig.parse("{" + DUAL + "\"IPv6Network\": \"fd00::100/120\"" + VXLAN);
        assertThat(c.ipv6SubnetLen()).isEqualTo(122);
        assertThat(c.ipv6SubnetMin()).isEqualTo(Subnet.parse("fd00::140/122"));
        assertThat(c.ipv6SubnetMax()).isEqualTo(Subnet.parse("fd00::1c0/122"));
        assertThat(c.ipv6SubnetCount()).isEqualTo(BigInteger.valueOf(3));
    }

    @Test
    void ipv6OnlyNeedsNoIpv4NetworkAndIgnoresABrokenOne() throws Exception {
        NetworkConfig c = NetworkConfig.parse("{\"EnableIPv4\": false, \"EnableIPv6\": true, \"Network\": \"10.0.0.0/30\","
                + " \"IPv6Network\": \"2001:db8::/48\"" + VXLAN);
        assertThat(c.network()).isNull();
        assertThat(c.ipv6Network()).isEqualTo(Subnet.parse("2001:db8::/48"));
        assertThat(c.inRange(Subnet.parse("2001:db8:0:5::/64"))).isTrue();
        assertThat(c.inRange(Subnet.parse("10.0.0.0/30"))).as("a family that is off holds nothing").isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"EnableIPv6\": true, \"Network\": \"10.5.0.0/16\"|IPv6Network|IPv6Network: required when EnableIPv6 is true, e.g. \"IPv6Network\": \"fd00:10:244::/56\"",
            "\"EnableIPv6\": true, \"Network\": \"10.5.0.0/16\", \"IPv6Network\": \"::/0\"|IPv6Network|IPv6Network: required when EnableIPv6 is true, e.g. \"IPv6Network\": \"fd00:10:244::/56\"",
            "\"EnableIPv4\": false, \"EnableIPv6\": false, \"IPv6Network\": \"fd00::/56\"|EnableIPv4|EnableIPv4 and EnableIPv6 are both false: enable at least one",
            "\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"fd00::/56\", \"IPv6SubnetMin\": \"fd00:0:0:90::\", \"IPv6SubnetMax\": \"fd00:0:0:10::\"|IPv6SubnetMin|IPv6SubnetMin fd00:0:0:90::: must not be above IPv6SubnetMax fd00:0:0:10::",
            "\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"fd00::/56\", \"IPv6SubnetMin\": \"fd00::zz\"|IPv6SubnetMin|IPv6SubnetMin: \"fd00::zz\" is not an IPv6 address",
            "\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"fd00::/56\", \"IPv6SubnetLen\": \"64\"|IPv6SubnetLen|IPv6SubnetLen \"64\": must be a whole number (a JSON number without quotes), not a string",
    })
    void eachMistakeIsOneLineNamingTheField(String members, String field, String message) {
        ConfigException e = catchThrowableOfType(() -> NetworkConfig.parse("{" + members + VXLAN),
                ConfigException.class);
        assertThat(e).as("rejected").isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).isEqualTo("invalid network config: " + message).doesNotContain("\n");
    }
}
