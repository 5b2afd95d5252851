package io.weft.fdb;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkConfigTest {
    private static final String VXLAN = "\"Backend\": {\"Type\": \"vxlan\"}";

    private static NetworkConfig parse(String json) throws ConfigException {
        return NetworkConfig.parse(json);
    }

    /** A config with the vxlan backend and the given other members (a JSON object body without braces). */
    private static NetworkConfig withVxlan(String members) throws ConfigException {
        return parse("{" + members + ", " + VXLAN + "}");
    }

    private static ConfigException rejected(String json) {
        try {
            NetworkConfig c = NetworkConfig.parse(json);
            throw new AssertionError("accepted " + json + " as " + c);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith("invalid network config: ").doesNotContain("\n", "\r");
            return e;
        }
    }

    private static void assertRejected(String json, String field, String message) {
        ConfigException e = rejected(json);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).isEqualTo("invalid network config: " + message);
    }

    @Nested
    class Defaults {
        @Test
        void flannelDocsExampleGetsEveryDefault() throws Exception {
            String json = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
            NetworkConfig c = parse(json);

            assertThat(c.json()).isEqualTo(json);
            assertThat(c.enableIpv4()).isTrue();
            assertThat(c.enableIpv6()).isFalse();
            assertThat(c.enableNFTables()).isFalse();
            assertThat(c.network()).isEqualTo(Subnet.parse("10.244.0.0/16"));
            assertThat(c.subnetLen()).isEqualTo(24);
            assertThat(c.subnetMin()).isEqualTo(Subnet.parse("10.244.1.0/24"));
            assertThat(c.subnetMax()).isEqualTo(Subnet.parse("10.244.255.0/24"));
            assertThat(c.subnetCount()).isEqualTo(255);
            assertThat(c.ipv6Network()).isNull();
            assertThat(c.ipv6SubnetLen()).isZero();
            assertThat(c.ipv6SubnetMin()).isNull();
            assertThat(c.ipv6SubnetMax()).isNull();
            assertThat(c.ipv6SubnetCount()).isZero();
            assertThat(c.backend()).isEqualTo(new BackendConfig("vxlan", 1, 0, 0, false, false, false));
            assertThat(c.backend().effectivePort()).isEqualTo(8472);
        }

        @ParameterizedTest(name = "Network /{0} -> SubnetLen {1}")
        @CsvSource({"8, 24", "16, 24", "21, 24", "22, 24", "23, 25", "24, 26", "26, 28", "28, 30"})
        void subnetLenDefaultsTo24ForLargeNetworksElsePrefixPlusTwo(int prefix, int expected) throws Exception {
            NetworkConfig c = withVxlan("\"Network\": \"" + Subnet.ofV4(0x0A00_0000, prefix) + "\"");
            assertThat(c.subnetLen()).isEqualTo(expected);
            assertThat(c.subnetMin().prefixLength()).isEqualTo(expected);
            assertThat(c.subnetMax().prefixLength()).isEqualTo(expected);
        }

        @Test
        void smallestNetworkSkipsItsFirstSubnetAndEndsAtItsLast() throws Exception {
            NetworkConfig c = withVxlan("\"Network\": \"192.168.7.0/28\"");
            assertThat(c.subnetLen()).isEqualTo(30);
            assertThat(c.subnetMin()).isEqualTo(Subnet.parse("192.168.7.4/30"));
            assertThat(c.subnetMax()).isEqualTo(Subnet.parse("192.168.7.12/30"));
            assertThat(c.subnetCount()).isEqualTo(3);
        }

        @Test
        void explicitSubnetLenDrivesTheDefaultRange() throws Exception {
            NetworkConfig c = withVxlan("\"Network\": \"10.244.0.0/16\", \"SubnetLen\": 26");
            assertThat(c.subnetMin()).isEqualTo(Subnet.parse("10.244.0.64/26"));
            assertThat(c.subnetMax()).isEqualTo(Subnet.parse("10.244.255.192/26"));
            assertThat(c.subnetCount()).isEqualTo(1023);
        }

        @Test
        void zeroAndNullMeanNotSetAsInGo() throws Exception {
            NetworkConfig c = withVxlan("\"Network\": \"10.5.0.0/16\", \"SubnetLen\": 0, \"SubnetMin\": \"0.0.0.0\","
                    + " \"SubnetMax\": null, \"EnableIPv6\": null");
            assertThat(c.subnetLen()).isEqualTo(24);
            assertThat(c.subnetMin()).isEqualTo(Subnet.parse("10.5.1.0/24"));
            assertThat(c.subnetMax()).isEqualTo(Subnet.parse("10.5.255.0/24"));
            assertThat(c.enableIpv6()).isFalse();
        }

        @Test
        void wholeAddressSpaceNetworkEndsAtTheLastSubnet() throws Exception {
            NetworkConfig c = withVxlan("\"Network\": \"10.0.0.0/8\"");
            assertThat(c.subnetMax()).isEqualTo(Subnet.parse("10.255.255.0/24"));
            assertThat(c.subnetCount()).isEqualTo(65535);
        }

        @Test
        void networkWithHostBitsIsMaskedAsGoParseCidrDoes() throws Exception {
            assertThat(withVxlan("\"Network\": \"10.244.7.9/16\"").network()).isEqualTo(Subnet.parse("10.244.0.0/16"));
        }

        @Test
        void givenRangeIsKept() throws Exception {
            NetworkConfig c = withVxlan("\"Network\": \"10.5.0.0/16\", \"SubnetMin\": \"10.5.10.0\", \"SubnetMax\": \"10.5.19.0\"");
            assertThat(c.subnetMin()).isEqualTo(Subnet.parse("10.5.10.0/24"));
            assertThat(c.subnetMax()).isEqualTo(Subnet.parse("10.5.19.0/24"));
            assertThat(c.subnetCount()).isEqualTo(10);
            NetworkConfig first = withVxlan("\"Network\": \"10.5.0.0/16\", \"SubnetMin\": \"10.5.0.0\", \"SubnetMax\": \"10.5.0.0\"");
            assertThat(first.subnetCount()).isEqualTo(1);
        }

        @Test
        void backendOptionsAreRead() throws Exception {
            NetworkConfig c = parse("{\"Network\": \"10.5.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"VNI\": 42,"
                    + " \"Port\": 4789, \"MTU\": 9001, \"GBP\": true, \"Learning\": true, \"DirectRouting\": true}}");
            assertThat(c.backend()).isEqualTo(new BackendConfig("vxlan", 42, 4789, 9001, true, true, true));
            assertThat(c.backend().effectivePort()).isEqualTo(4789);
        }

        @Test
        void nfTablesFlagIsRead() throws Exception {
            assertThat(withVxlan("\"Network\": \"10.5.0.0/16\", \"EnableNFTables\": true").enableNFTables()).isTrue();
        }
    }

    @Nested
    class Ipv6 {
        @Test
        void flannelDocsDualStackExample() throws Exception {
            NetworkConfig c = parse("""
                    {
                      "EnableIPv6": true,
                      "Network": "10.42.0.0/16",
                      "IPv6Network": "2001:cafe:42::/56",
                      "Backend": {"Type": "vxlan"}
                    }""");
            assertThat(c.enableIpv4()).isTrue();
            assertThat(c.enableIpv6()).isTrue();
            assertThat(c.subnetMin()).isEqualTo(Subnet.parse("10.42.1.0/24"));
            assertThat(c.ipv6Network()).isEqualTo(Subnet.parse("2001:cafe:42::/56"));
            assertThat(c.ipv6SubnetLen()).isEqualTo(64);
            assertThat(c.ipv6SubnetMin()).isEqualTo(Subnet.parse("2001:cafe:42:1::/64"));
            assertThat(c.ipv6SubnetMax()).isEqualTo(Subnet.parse("2001:cafe:42:ff::/64"));
            assertThat(c.ipv6SubnetCount()).isEqualTo(BigInteger.valueOf(255));
        }

        @Test
        void ipv6OnlyHasNoIpv4Values() throws Exception {
            NetworkConfig c = withVxlan("\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"fd00:10::/48\"");
            assertThat(c.enableIpv4()).isFalse();
            assertThat(c.network()).isNull();
            assertThat(c.subnetLen()).isZero();
            assertThat(c.subnetMin()).isNull();
            assertThat(c.subnetCount()).isZero();
            assertThat(c.ipv6SubnetMin()).isEqualTo(Subnet.parse("fd00:10:0:1::/64"));
            assertThat(c.ipv6SubnetMax()).isEqualTo(Subnet.parse("fd00:10:0:ffff::/64"));
        }

        @ParameterizedTest(name = "IPv6Network /{0} -> IPv6SubnetLen {1}")
        @CsvSource({"48, 64", "62, 64", "63, 65", "100, 102", "124, 126"})
        void subnetLenDefaultsTo64ForLargeNetworksElsePrefixPlusTwo(int prefix, int expected) throws Exception {
            NetworkConfig c = withVxlan("\"EnableIPv6\": true, \"Network\": \"10.5.0.0/16\", \"IPv6Network\": \"fd00::/"
                    + prefix + "\"");
            assertThat(c.ipv6SubnetLen()).isEqualTo(expected);
        }

        @Test
        void givenRangeIsKept() throws Exception {
            NetworkConfig c = withVxlan("\"EnableIPv6\": true, \"Network\": \"10.5.0.0/16\", \"IPv6Network\": \"fd00::/56\","
                    + " \"IPv6SubnetLen\": 60, \"IPv6SubnetMin\": \"fd00:0:0:10::\", \"IPv6SubnetMax\": \"fd00:0:0:20::\"");
            assertThat(c.ipv6SubnetMin()).isEqualTo(Subnet.parse("fd00:0:0:10::/60"));
            assertThat(c.ipv6SubnetMax()).isEqualTo(Subnet.parse("fd00:0:0:20::/60"));
            assertThat(c.ipv6SubnetCount()).isEqualTo(BigInteger.TWO);
        }

        @Test
        void rules() {
            String base = "\"EnableIPv6\": true, \"Network\": \"10.5.0.0/16\", ";
            assertRejected("{" + base + VXLAN + "}", "IPv6Network",
                    "IPv6Network: required when EnableIPv6 is true, e.g. \"IPv6Network\": \"fd00:10:244::/56\"");
            assertRejected("{" + base + "\"IPv6Network\": \"fd00::/125\", " + VXLAN + "}", "IPv6Network",
                    "IPv6Network fd00::/125: too small; the prefix must be at most /124 to hold four subnets");
            assertRejected("{" + base + "\"IPv6Network\": \"fd00::/56\", \"IPv6SubnetLen\": 127, " + VXLAN + "}",
                    "IPv6SubnetLen", "IPv6SubnetLen 127: must be at most 126");
            assertRejected("{" + base + "\"IPv6Network\": \"fd00::/56\", \"IPv6SubnetLen\": 57, " + VXLAN + "}",
                    "IPv6SubnetLen", "IPv6SubnetLen 57: must be at least 58 so that IPv6Network fd00::/56 holds at least four subnets");
            assertRejected("{" + base + "\"IPv6Network\": \"fd00::/56\", \"IPv6SubnetMin\": \"fd00:0:0:1::1\", " + VXLAN + "}",
                    "IPv6SubnetMin", "IPv6SubnetMin fd00:0:0:1::1: not aligned to IPv6SubnetLen 64 (did you mean fd00:0:0:1::?)");
            assertRejected("{" + base + "\"IPv6Network\": \"fd00::/56\", \"IPv6SubnetMax\": \"fd01::\", " + VXLAN + "}",
                    "IPv6SubnetMax", "IPv6SubnetMax fd01::: outside IPv6Network fd00::/56");
            assertRejected("{" + base + "\"IPv6Network\": \"10.0.0.0/8\", " + VXLAN + "}", "IPv6Network",
                    "IPv6Network \"10.0.0.0/8\": must be an IPv6 CIDR such as \"fd00:10:244::/56\"");
            assertRejected("{" + base + "\"IPv6Network\": \"fd00::/56\", \"IPv6SubnetMin\": \"10.5.1.0\", " + VXLAN + "}",
                    "IPv6SubnetMin", "IPv6SubnetMin \"10.5.1.0\": must be an IPv6 address");
        }

        @Test
        void disabledIpv6IgnoresTheIpv6RulesButNotTheJsonTypes() throws Exception {
            NetworkConfig c = withVxlan("\"Network\": \"10.5.0.0/16\", \"IPv6Network\": \"fd00::/125\"");
            assertThat(c.ipv6Network()).isNull();
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"IPv6Network\": 5, " + VXLAN + "}", "IPv6Network",
                    "IPv6Network 5: must be a JSON string in quotes, not a number");
        }
    }

    @Nested
    class Rules {
        @Test
        void subnetLenAbove30() {
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"SubnetLen\": 31, " + VXLAN + "}", "SubnetLen",
                    "SubnetLen 31: must be at most 30");
        }

        @Test
        void subnetLenMustLeaveFourSubnets() throws Exception {
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"SubnetLen\": 17, " + VXLAN + "}", "SubnetLen",
                    "SubnetLen 17: must be at least 18 so that Network 10.5.0.0/16 holds at least four subnets");
            assertThat(withVxlan("\"Network\": \"10.5.0.0/16\", \"SubnetLen\": 18").subnetCount()).isEqualTo(3);
        }

        @Test
        void negativeSubnetLen() {
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"SubnetLen\": -1, " + VXLAN + "}", "SubnetLen",
                    "SubnetLen -1: must not be negative");
        }

        @Test
        void networkSmallerThan28WithoutSubnetLen() {
            assertRejected("{\"Network\": \"10.5.0.0/29\", " + VXLAN + "}", "Network",
                    "Network 10.5.0.0/29: too small; the prefix must be at most /28 to hold four subnets");
        }

        @Test
        void networkRequiredWhenIpv4Enabled() {
            assertRejected("{" + VXLAN + "}", "Network",
                    "Network: required when EnableIPv4 is true (the default), e.g. \"Network\": \"10.244.0.0/16\"");
            assertThat(rejected("{\"Network\": \"0.0.0.0/0\", " + VXLAN + "}").field()).isEqualTo("Network");
        }

        @Test
        void networkMustBeAnIpv4Cidr() {
            assertRejected("{\"Network\": \"fd00::/48\", " + VXLAN + "}", "Network",
                    "Network \"fd00::/48\": must be an IPv4 CIDR such as \"10.244.0.0/16\"");
            assertRejected("{\"Network\": \"10.244.0.0\", " + VXLAN + "}", "Network",
                    "Network: \"10.244.0.0\" is not in CIDR form (address/prefix-length); expected a CIDR such as \"10.244.0.0/16\"");
            assertThat(rejected("{\"Network\": \"banana/16\", " + VXLAN + "}").field()).isEqualTo("Network");
            assertThat(rejected("{\"Network\": \"010.244.0.0/16\", " + VXLAN + "}").field()).isEqualTo("Network");
            assertThat(rejected("{\"Network\": \"10.244.0.0/33\", " + VXLAN + "}").field()).isEqualTo("Network");
        }

        @Test
        void subnetMinNotAligned() {
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"SubnetMin\": \"10.5.1.3\", " + VXLAN + "}", "SubnetMin",
                    "SubnetMin 10.5.1.3: not aligned to SubnetLen 24 (did you mean 10.5.1.0?)");
        }

        @Test
        void subnetMaxNotAligned() {
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"SubnetLen\": 26, \"SubnetMax\": \"10.5.9.100\", " + VXLAN + "}",
                    "SubnetMax", "SubnetMax 10.5.9.100: not aligned to SubnetLen 26 (did you mean 10.5.9.64?)");
        }

        @Test
        void subnetMinAndMaxOutsideNetwork() {
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"SubnetMin\": \"10.4.255.0\", " + VXLAN + "}", "SubnetMin",
                    "SubnetMin 10.4.255.0: outside Network 10.5.0.0/16");
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"SubnetMax\": \"10.6.0.0\", " + VXLAN + "}", "SubnetMax",
                    "SubnetMax 10.6.0.0: outside Network 10.5.0.0/16");
        }

        @Test
        void subnetMinAboveMax() {
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"SubnetMin\": \"10.5.9.0\", \"SubnetMax\": \"10.5.3.0\", " + VXLAN + "}",
                    "SubnetMin", "SubnetMin 10.5.9.0: must not be above SubnetMax 10.5.3.0");
        }

        @Test
        void subnetMinMustBeIpv4() {
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"SubnetMin\": \"fd00::\", " + VXLAN + "}", "SubnetMin",
                    "SubnetMin \"fd00::\": must be an IPv4 address");
            assertRejected("{\"Network\": \"10.5.0.0/16\", \"SubnetMin\": \"10.5.1\", " + VXLAN + "}", "SubnetMin",
                    "SubnetMin: \"10.5.1\" is not an IPv4 address");
        }

        @Test
        void atLeastOneFamily() {
            assertRejected("{\"EnableIPv4\": false, \"Network\": \"10.5.0.0/16\", " + VXLAN + "}", "EnableIPv4",
                    "EnableIPv4 and EnableIPv6 are both false: enable at least one");
        }
    }

    @Nested
    class Backend {
        @Test
        void absentBackendIsRefusedBecauseFlannelWouldUseUdp() {
            assertRejected("{\"Network\": \"10.244.0.0/16\"}", "Backend", "Backend: missing, and flannel then uses the"
                    + " udp backend, which weft does not implement; set \"Backend\": {\"Type\": \"vxlan\"}");
            assertThat(rejected("{\"Network\": \"10.244.0.0/16\", \"Backend\": null}").field()).isEqualTo("Backend");
        }

        @Test
        void otherTypesAreRefusedWithTheFix() {
            assertRejected("{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"host-gw\"}}", "Backend.Type",
                    "Backend.Type \"host-gw\": weft implements only the vxlan backend; set \"Backend\": {\"Type\": \"vxlan\"},"
                            + " or keep flanneld for this network");
            assertRejected("{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"VNI\": 1}}", "Backend.Type",
                    "Backend.Type: missing; weft implements only the vxlan backend; set \"Backend\": {\"Type\": \"vxlan\"}");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vxlan", "VXLAN", "VxLaN"})
        void typeIsCaseInsensitive(String type) throws Exception {
            assertThat(parse("{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"" + type + "\"}}").backend().type())
                    .isEqualTo("vxlan");
        }

        @Test
        void windowsOnlyKeysAreIgnored() throws Exception {
            NetworkConfig c = parse("{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"VNI\": 4096,"
                    + " \"MacPrefix\": \"0E-2A\", \"Name\": \"vxlan0\"}}");
            assertThat(c.backend().vni()).isEqualTo(4096);
        }

        @ParameterizedTest(name = "VNI {0} -> {1}")
        @CsvSource({"1, true", "16777215, true", "0, false", "-1, false", "16777216, false"})
        void vniRange(long vni, boolean ok) throws Exception {
            String json = "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"VNI\": " + vni + "}}";
            if (ok) {
                assertThat(parse(json).backend().vni()).isEqualTo(vni);
            } else {
                assertRejected(json, "Backend.VNI", "Backend.VNI " + vni
                        + ": must be 1..16777215 (a 24-bit VXLAN network identifier; omit it for the default 1)");
            }
        }

        @ParameterizedTest(name = "Port {0} -> effective {1}")
        @CsvSource({"0, 8472", "1, 1", "4789, 4789", "65535, 65535", "-1, -1", "65536, -1"})
        void portRange(int port, int effective) throws Exception {
            String json = "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"Port\": " + port + "}}";
            if (effective > 0) {
                assertThat(parse(json).backend().effectivePort()).isEqualTo(effective);
            } else {
                assertRejected(json, "Backend.Port", "Backend.Port " + port + ": must be 1..65535, or 0 for the default 8472");
            }
        }

        @ParameterizedTest(name = "MTU {0} -> {1}")
        @CsvSource({"0, true", "118, true", "1500, true", "65535, true", "117, false", "1, false", "-1, false", "65536, false"})
        void mtuRange(int mtu, boolean ok) throws Exception {
            String json = "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"MTU\": " + mtu + "}}";
            if (ok) {
                assertThat(parse(json).backend().mtu()).isEqualTo(mtu);
            } else {
                assertRejected(json, "Backend.MTU", "Backend.MTU " + mtu + ": must be 118..65535 (the underlay MTU; the"
                        + " overlay gets 50 less), or 0 to take it from the external interface");
            }
        }
    }

    @Nested
    class GoJsonRules {
        @Test
        void namesMatchInAnyCase() throws Exception {
            NetworkConfig c = parse("{\"NETWORK\": \"10.9.0.0/16\", \"subnetlen\": 26, \"SubnetMIN\": \"10.9.1.0\","
                    + " \"enableipv6\": true, \"ipv6network\": \"fd00::/48\", \"IPV6SUBNETLEN\": 80,"
                    + " \"enablenftables\": true, \"backend\": {\"type\": \"vxlan\", \"vni\": 7, \"PORT\": 4789,"
                    + " \"mtu\": 1400, \"gbp\": true, \"LEARNING\": true, \"directrouting\": true}}");
            assertThat(c.network()).isEqualTo(Subnet.parse("10.9.0.0/16"));
            assertThat(c.subnetLen()).isEqualTo(26);
            assertThat(c.subnetMin()).isEqualTo(Subnet.parse("10.9.1.0/26"));
            assertThat(c.enableIpv6()).isTrue();
            assertThat(c.ipv6SubnetLen()).isEqualTo(80);
            assertThat(c.enableNFTables()).isTrue();
            assertThat(c.backend()).isEqualTo(new BackendConfig("vxlan", 7, 4789, 1400, true, true, true));
        }

        @Test
        void lastOfSeveralMatchingKeysWins() throws Exception {
            assertThat(withVxlan("\"Network\": \"10.1.0.0/16\", \"network\": \"10.2.0.0/16\"").network())
                    .isEqualTo(Subnet.parse("10.2.0.0/16"));
        }

        @Test
        void unknownFieldsAreIgnored() throws Exception {
            NetworkConfig c = parse("{\"Network\": \"10.1.0.0/16\", \"Comment\": [1, {\"x\": null}], \"SubnetLenX\": \"a\","
                    + " \"Backend\": {\"Type\": \"vxlan\", \"Extra\": {}}}");
            assertThat(c.subnetLen()).isEqualTo(24);
        }

        @ParameterizedTest(name = "{0}: {1}")
        @CsvSource(delimiter = '|', value = {
                "EnableIPv4    | \"EnableIPv4\": \"true\"     | EnableIPv4 \"true\": must be true or false (a JSON boolean), not a string",
                "EnableIPv6    | \"EnableIPv6\": 1            | EnableIPv6 1: must be true or false (a JSON boolean), not a number",
                "EnableNFTables| \"EnableNFTables\": \"no\"   | EnableNFTables \"no\": must be true or false (a JSON boolean), not a string",
                "SubnetLen     | \"SubnetLen\": \"24\"        | SubnetLen \"24\": must be a whole number (a JSON number without quotes), not a string",
                "SubnetLen     | \"SubnetLen\": 24.5          | SubnetLen 24.5: must be a whole number (a JSON number without quotes), not a fractional number",
                "SubnetLen     | \"SubnetLen\": 24.0          | SubnetLen 24.0: must be a whole number (a JSON number without quotes), not a fractional number",
                "SubnetLen     | \"SubnetLen\": 99999999999999999999 | SubnetLen 99999999999999999999: out of range",
                "SubnetMin     | \"SubnetMin\": 167837952     | SubnetMin 167837952: must be a JSON string in quotes, not a number",
                "IPv6SubnetLen | \"IPv6SubnetLen\": [64]      | IPv6SubnetLen [64]: must be a whole number (a JSON number without quotes), not an array",
        })
        void wrongJsonTypeNamesTheField(String field, String member, String message) {
            assertRejected("{\"Network\": \"10.1.0.0/16\", " + member + ", " + VXLAN + "}", field, message);
        }

        @ParameterizedTest(name = "{0}: {1}")
        @CsvSource(delimiter = '|', value = {
                "Network       | {\"Network\": 10, \"Backend\": {\"Type\": \"vxlan\"}}",
                "Backend       | {\"Network\": \"10.1.0.0/16\", \"Backend\": \"vxlan\"}",
                "Backend.Type  | {\"Network\": \"10.1.0.0/16\", \"Backend\": {\"Type\": 7}}",
                "Backend.VNI   | {\"Network\": \"10.1.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"VNI\": \"1\"}}",
                "Backend.Port  | {\"Network\": \"10.1.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"Port\": true}}",
                "Backend.MTU   | {\"Network\": \"10.1.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"MTU\": 1500.5}}",
                "Backend.GBP   | {\"Network\": \"10.1.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"GBP\": 1}}",
                "Backend.DirectRouting | {\"Network\": \"10.1.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"directrouting\": \"true\"}}",
        })
        void wrongJsonTypeInBackendNamesTheField(String field, String json) {
            ConfigException e = rejected(json);
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).startsWith("invalid network config: " + field + " ");
        }

        @Test
        void malformedJsonSaysWhereWithoutStackTraceText() {
            ConfigException e = rejected("{\"Network\": \"10.1.0.0/16\",\n \"Backend\": {\"Type\": \"vxlan\"}");
            assertThat(e.field()).isEmpty();
            assertThat(e.getMessage()).startsWith("invalid network config: not valid JSON at line 2, column ")
                    .doesNotContain("Source", "Exception", "at com.", "\tat ");
        }

        @ParameterizedTest
        @ValueSource(strings = {"{\"Network\": \"10.1.0.0/16\",}", "{'Network': '10.1.0.0/16'}",
                "{\"Network\": \"10.1.0.0/16\", \"Backend\": {\"Type\": \"vxlan\"}} {}", "{\"SubnetLen\": 024}"})
        void jsonThatGoRejectsIsRejected(String json) {
            assertThat(rejected(json).getMessage()).startsWith("invalid network config: not valid JSON at line 1, column ");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "   ", "[]", "\"vxlan\"", "null", "42"})
        void notAnObject(String json) {
            ConfigException e = rejected(json);
            assertThat(e.field()).isEmpty();
            assertThat(e.getMessage()).containsAnyOf("expected a JSON object", "must be a JSON object");
        }
    }

    @Nested
    class InRange {
        @Test
        void ipv4() throws Exception {
            NetworkConfig c = withVxlan("\"Network\": \"10.5.0.0/16\", \"SubnetMin\": \"10.5.10.0\", \"SubnetMax\": \"10.5.19.0\"");
            assertThat(c.inRange(Subnet.parse("10.5.10.0/24"))).isTrue();
            assertThat(c.inRange(Subnet.parse("10.5.19.0/24"))).isTrue();
            assertThat(c.inRange(Subnet.parse("10.5.9.0/24"))).as("below SubnetMin").isFalse();
            assertThat(c.inRange(Subnet.parse("10.5.20.0/24"))).as("above SubnetMax").isFalse();
            assertThat(c.inRange(Subnet.parse("10.5.12.0/25"))).as("other length").isFalse();
            assertThat(c.inRange(Subnet.parse("10.6.12.0/24"))).as("other network").isFalse();
            assertThat(c.inRange(Subnet.parse("fd00::/64"))).as("IPv6 disabled").isFalse();
            assertThat(c.inRange(null)).isFalse();
        }

        @Test
        void ipv6() throws Exception {
            NetworkConfig c = withVxlan("\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"fd00::/56\"");
            assertThat(c.inRange(Subnet.parse("fd00:0:0:1::/64"))).isTrue();
            assertThat(c.inRange(Subnet.parse("fd00:0:0:ff::/64"))).isTrue();
            assertThat(c.inRange(Subnet.parse("fd00::/64"))).as("the skipped first subnet").isFalse();
            assertThat(c.inRange(Subnet.parse("fd00:0:0:100::/64"))).isFalse();
            assertThat(c.inRange(Subnet.parse("10.5.1.0/24"))).as("IPv4 disabled").isFalse();
        }

        @Test
        void defaultRangeExcludesTheFirstSubnet() throws Exception {
            NetworkConfig c = withVxlan("\"Network\": \"10.244.0.0/16\"");
            assertThat(c.inRange(Subnet.parse("10.244.0.0/24"))).isFalse();
            assertThat(c.inRange(Subnet.parse("10.244.1.0/24"))).isTrue();
            assertThat(c.inRange(Subnet.parse("10.244.255.0/24"))).isTrue();
        }
    }
}
