package io.weft.fdb.registry;

import io.weft.fdb.Subnet;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lease keys as flannel's {@code MakeSubnetKey} writes them and {@code ParseSubnetKey} reads them: every key weft
 * writes reads back as the same subnets, and its IPv6 part is Go's {@code net.IP.String()} form (RFC 5952:
 * lowercase, no leading zeros, the longest run of two or more zero groups, the first of equal runs, as "::").
 */
class SubnetKeyPropertyTest {
    private static final String PREFIX = "/coreos.com/network/subnets/";

    @Property
    void dualStackKeysRoundTrip(@ForAll int v4, @ForAll @IntRange(max = 31) int v4Len,
                                @ForAll long hi, @ForAll long lo, @ForAll @IntRange(max = 127) int v6Len) {
        Subnet v6 = Subnet.ofV6(hi, lo, v6Len);
        assumeGoPrintsHex(v6);
        SubnetKey key = new SubnetKey(Subnet.ofV4(v4, v4Len), v6);
        String text = key.text();
        assertThat(LeaseKeys.parse(text)).isEqualTo(key);
        assertThat(LeaseKeys.parse(PREFIX + text)).isEqualTo(key);
        assertThat(text).isEqualTo(key.v4().addressText() + "-" + v4Len + "&" + goForm(v6) + "-" + v6Len);
    }

    @Property
    void ipv6OnlyKeysCarryFlannelsEmptyIpv4Part(@ForAll long hi, @ForAll long lo, @ForAll @IntRange(max = 127) int len) {
        Subnet v6 = Subnet.ofV6(hi, lo, len);
        assumeGoPrintsHex(v6);
        SubnetKey key = new SubnetKey(LeaseAcquirer.NO_V4, v6);
        assertThat(key.text()).isEqualTo("0.0.0.0-0&" + goForm(v6) + "-" + len);
        assertThat(LeaseKeys.parse(PREFIX + key.text())).isEqualTo(key);
    }

    @Property
    void ipv4KeysRoundTrip(@ForAll int v4, @ForAll @IntRange(max = 31) int len) {
        SubnetKey key = new SubnetKey(Subnet.ofV4(v4, len), null);
        assertThat(key.text()).doesNotContain("&");
        assertThat(LeaseKeys.parse(PREFIX + key.text())).isEqualTo(key);
    }

    @Test
    void flannelsOwnExamples() {
        // From flannel's subnet tests and real clusters.
        assertThat(new SubnetKey(Subnet.parse("10.244.1.0/24"), Subnet.parse("fd00:0:0:1::/64")).text())
                .isEqualTo("10.244.1.0-24&fd00:0:0:1::-64");
        assertThat(new SubnetKey(Subnet.parse("10.244.1.0/24"), Subnet.parse("2001:cafe:42::/64")).text())
                .isEqualTo("10.244.1.0-24&2001:cafe:42::-64");
        // The longest zero run is compressed, the first of two equal ones; a single zero group is not.
        assertThat(Subnet.parse("fd00:0:0:1:0:0:0:0/64").addressText()).isEqualTo("fd00:0:0:1::");
        assertThat(Subnet.parse("2001:db8:0:0:1:0:0:0/80").addressText()).isEqualTo("2001:db8:0:0:1::");
        assertThat(Subnet.parse("2001:db8:0:0:1:0:0:1/128").addressText()).isEqualTo("2001:db8::1:0:0:1");
        assertThat(Subnet.parse("2001:db8:0:1:1:1:1:1/128").addressText()).isEqualTo("2001:db8:0:1:1:1:1:1");
    }

    @Test
    void keysFlannelCannotReadAreRefusedToo() {
        // flannel's regular expression has only lowercase hex digits: an uppercase key matches nothing there.
        assertThatThrownBy(() -> LeaseKeys.parse(PREFIX + "10.244.1.0-24&FD00::-64"))
                .isInstanceOf(IllegalArgumentException.class);
        // Go parses the IPv6 prefix length as a 7-bit number.
        assertThatThrownBy(() -> LeaseKeys.parse(PREFIX + "10.244.1.0-24&fd00::-128"))
                .hasMessageContaining("prefix length 128 is above 127");
        assertThatThrownBy(() -> LeaseKeys.parse(PREFIX + "10.244.1.0-24&fd00:::1-64"))
                .hasMessageContaining("fd00:::1");
    }

    @Test
    void aKeyWhoseIpv6PartAloneIsBrokenStillNamesItsIpv4Subnet() {
        assertThat(LeaseKeys.ipv4PartOf(PREFIX + "10.244.5.0-24&fd00:42:0:5:::-64")).isEqualTo(Subnet.parse("10.244.5.0/24"));
        assertThat(LeaseKeys.ipv4PartOf(PREFIX + "10.244.5.0-24&FD00::-64")).isEqualTo(Subnet.parse("10.244.5.0/24"));
        assertThat(LeaseKeys.ipv4PartOf(PREFIX + "10.244.5.0-24")).as("no IPv6 part").isNull();
        assertThat(LeaseKeys.ipv4PartOf(PREFIX + "10.244.5.0-99&fd00::-64")).as("IPv4 part broken too").isNull();
    }

    @Test
    void anIpv6PartGivenInLongFormIsReadAsTheSameSubnet() {
        // Go's net.ParseIP reads every textual form; only the key weft writes is the compressed one.
        assertThat(LeaseKeys.parse(PREFIX + "10.244.1.0-24&fd00:0000:0:1:0:0:0:0-64").v6())
                .isEqualTo(Subnet.parse("fd00:0:0:1::/64"));
    }

    /**
     * flannel prints an IPv6 subnet through a big integer: a value in [2^24, 2^32) comes out as four bytes and is
     * printed dotted, and so is an IPv4-mapped one. Such keys do not match flannel's own regular expression (no
     * dots in the IPv6 part), so no working cluster has them; the properties stay out of ::/64 except for ::.
     */
    private static void assumeGoPrintsHex(Subnet v6) {
        Assume.that(v6.v6High() != 0 || v6.v6Low() == 0);
    }

    /** RFC 5952 by a different route than {@link Subnet#formatAddress}: join the groups, then shorten the text. */
    private static String goForm(Subnet s) {
        long[] halves = {s.v6High(), s.v6Low()};
        List<String> groups = new ArrayList<>();
        for (long h : halves) {
            for (int shift = 48; shift >= 0; shift -= 16) {
                groups.add(Integer.toHexString((int) ((h >>> shift) & 0xFFFF)));
            }
        }
        String full = ":" + String.join(":", groups) + ":";
        String best = null;
        for (int n = 8; n >= 2 && best == null; n--) {
            String run = ":" + "0:".repeat(n);
            if (full.contains(run)) {
                best = run;
            }
        }
        String out = best == null ? full : full.replaceFirst(java.util.regex.Pattern.quote(best), "::");
        out = out.startsWith("::") ? out : out.substring(1);
        out = out.endsWith("::") ? out : out.substring(0, out.length() - 1);
        return out;
    }
}
