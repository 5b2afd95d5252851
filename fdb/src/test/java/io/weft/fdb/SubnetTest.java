package io.weft.fdb;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubnetTest {

    @Test
    void ipv4ParseFormatAndKeyForm() {
        Subnet s = Subnet.parse("10.244.1.0/24");
        assertThat(s.isIpv6()).isFalse();
        assertThat(s.prefixLength()).isEqualTo(24);
        assertThat(s.v4Address()).isEqualTo(0x0AF4_0100);
        assertThat(s.v4Mask()).isEqualTo(0xFFFF_FF00);
        assertThat(s).hasToString("10.244.1.0/24");
        assertThat(s.keyForm()).isEqualTo("10.244.1.0-24");
        assertThat(s.firstHost()).isEqualTo(Subnet.parseAddress("10.244.1.1"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "fd00:0:0:1::/64, fd00:0:0:1::-64",
            "fd00:0000:0000:0001:0000:0000:0000:0000/64, fd00:0:0:1::-64",
            "FD00::/48, fd00::-48",
            "2001:cafe:42:ff::/64, 2001:cafe:42:ff::-64",
            "::/0, ::-0",
            "2001:db8:0:0:1:0:0:0/128, 2001:db8:0:0:1::-128",
            "2001:db8:0:0:0:1:0:0/128, 2001:db8::1:0:0-128",
            "2001:db8:0:1:1:1:1:0/127, 2001:db8:0:1:1:1:1:0-127",
    })
    void ipv6KeyFormIsGosCompressedLowercase(String cidr, String key) {
        assertThat(Subnet.parse(cidr).keyForm()).isEqualTo(key);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            // RFC 5952 as Go prints: the longest run of two or more zero groups, the first on a tie, lowercase.
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "0:0:0:0:0:0:0:1, ::1",
            "fe80:0:0:0:0:0:0:0, fe80::",
            "1:0:0:0:0:0:0:0, 1::",
            "0:0:0:0:0:0:0:0, ::",
            "ABCD:EF01:0:0:0:0:0:0, abcd:ef01::",
    })
    void formatsIpv6AsGo(String text, String expected) {
        assertThat(Subnet.formatAddress(Subnet.parseAddress(text))).isEqualTo(expected);
    }

    @Test
    void strictParseRejectsHostBitsAndSaysWhatWasMeant() {
        assertThatThrownBy(() -> Subnet.parse("10.244.1.7/24"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"10.244.1.7/24\" has host bits set; did you mean 10.244.1.0/24?");
        assertThat(Subnet.parseLenient("10.244.1.7/24")).isEqualTo(Subnet.parse("10.244.1.0/24"));
        assertThat(Subnet.parseLenient("fd00::1/64")).isEqualTo(Subnet.parse("fd00::/64"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/", "10.0.0/8",
            "010.0.0.0/8", "10.0.0.256/32", "fd00::/129", "localhost/8", "example.com/24", "fd00::%eth0/64", "/8"})
    void rejectsWhatGoRejects(String text) {
        assertThatThrownBy(() -> Subnet.parseLenient(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text.contains("/") ? text.substring(0, text.indexOf('/')) : text);
    }

    @Test
    void containsAndOverlaps() {
        Subnet net = Subnet.parse("10.244.0.0/16");
        Subnet sub = Subnet.parse("10.244.7.0/24");
        assertThat(net.contains(sub)).isTrue();
        assertThat(sub.contains(net)).isFalse();
        assertThat(net.overlaps(sub)).isTrue();
        assertThat(sub.overlaps(net)).isTrue();
        assertThat(sub.overlaps(Subnet.parse("10.244.8.0/24"))).isFalse();
        assertThat(sub.containsV4(0x0AF4_0700)).isTrue();
        assertThat(sub.containsV4(0x0AF4_07FF)).isTrue();
        assertThat(sub.containsV4(0x0AF4_06FF)).isFalse();
        assertThat(sub.containsV4(0x0AF4_0800)).isFalse();
        assertThat(sub.contains(Subnet.parseAddress("10.244.7.200"))).isTrue();
        assertThat(sub.contains(Subnet.parseAddress("fd00::1"))).as("other family").isFalse();
        assertThat(net.contains(Subnet.parse("fd00::/8"))).isFalse();

        Subnet v6 = Subnet.parse("fd00:0:0:1::/64");
        assertThat(v6.contains(Subnet.parseAddress("fd00:0:0:1:ffff:ffff:ffff:ffff"))).isTrue();
        assertThat(v6.contains(Subnet.parseAddress("fd00:0:0:2::"))).isFalse();
        assertThat(Subnet.parse("fd00::/48").contains(v6)).isTrue();
        assertThat(v6.overlaps(Subnet.parse("fd00:0:0:1:8000::/65"))).isTrue();
    }

    @Test
    void nextAndOffsets() {
        assertThat(Subnet.parse("10.0.1.0/24").next()).isEqualTo(Subnet.parse("10.0.2.0/24"));
        assertThat(Subnet.parse("10.0.255.0/24").next()).isEqualTo(Subnet.parse("10.1.0.0/24"));
        assertThat(Subnet.parse("10.0.1.0/24").offsetSubnets(-1)).isEqualTo(Subnet.parse("10.0.0.0/24"));
        assertThat(Subnet.parse("255.255.255.0/24").next()).as("wraps like uint32").isEqualTo(Subnet.parse("0.0.0.0/24"));
        assertThat(Subnet.parse("fd00:0:0:ffff::/64").next()).isEqualTo(Subnet.parse("fd00:0:1::/64"));
        assertThat(Subnet.parse("fd00::/64").offsetSubnets(-1)).isEqualTo(Subnet.parse("fcff:ffff:ffff:ffff::/64"));
        assertThat(Subnet.parse("10.0.1.0/24").offsetAddress(255)).isEqualTo(Subnet.parseAddress("10.0.1.255"));
        assertThat(Subnet.parse("fd00::/64").firstHost()).isEqualTo(Subnet.parseAddress("fd00::1"));
    }

    @Test
    void orderingIsV4ThenV6ThenAddressThenLength() {
        assertThat(Subnet.parse("10.0.0.0/8").compareTo(Subnet.parse("10.0.0.0/16"))).isNegative();
        assertThat(Subnet.parse("10.0.0.0/16").compareTo(Subnet.parse("10.1.0.0/16"))).isNegative();
        assertThat(Subnet.parse("200.0.0.0/8").compareTo(Subnet.parse("10.0.0.0/8"))).as("unsigned").isPositive();
        assertThat(Subnet.parse("255.0.0.0/8").compareTo(Subnet.parse("::/0"))).isNegative();
        assertThat(Subnet.parse("ff00::/8").compareTo(Subnet.parse("fd00::/8"))).isPositive();
    }

    @Test
    void equalityIgnoresHowItWasWritten() {
        assertThat(Subnet.parse("fd00:0::/64")).isEqualTo(Subnet.parse("FD00::/64"))
                .hasSameHashCodeAs(Subnet.parse("FD00::/64"));
        assertThat(Subnet.ofV4(0x0A00_0105, 24)).isEqualTo(Subnet.parse("10.0.1.0/24"));
        assertThat(Subnet.parse("10.0.0.0/8")).isNotEqualTo(Subnet.parse("10.0.0.0/9"));
    }

    @Property(tries = 500)
    void ipv6TextRoundTrips(@ForAll long hi, @ForAll long lo, @ForAll @IntRange(min = 0, max = 128) int len) {
        Subnet s = Subnet.ofV6(hi, lo, len);
        // Java reads ::ffff:a.b.c.d as IPv4; Go prints it dotted too. Leave that corner to the examples above.
        if (s.address() instanceof java.net.Inet6Address) {
            assertThat(Subnet.parse(s.toString())).isEqualTo(s);
            assertThat(s.addressText()).isEqualTo(s.addressText().toLowerCase()).doesNotContain(":::");
            assertThat(s.addressText().split("::", -1).length).isLessThanOrEqualTo(2);
        }
    }

    @Property(tries = 500)
    void ipv4TextRoundTrips(@ForAll int address, @ForAll @IntRange(min = 0, max = 32) int len) {
        Subnet s = Subnet.ofV4(address, len);
        assertThat(Subnet.parse(s.toString())).isEqualTo(s);
        assertThat(Subnet.parse(s.keyForm().replace('-', '/'))).isEqualTo(s);
        assertThat(s.containsV4(address)).isTrue();
    }

    @Property(tries = 300)
    void nextIsAdjacentAndDisjoint(@ForAll int address, @ForAll @IntRange(min = 1, max = 32) int len) {
        Subnet s = Subnet.ofV4(address, len);
        Subnet n = s.next();
        assertThat(n.overlaps(s)).isFalse();
        assertThat(n.offsetSubnets(-1)).isEqualTo(s);
        int lastOfS = s.v4Address() + (int) ((1L << (32 - len)) - 1);
        assertThat(n.v4Address()).isEqualTo(lastOfS + 1);
    }
}
