package io.weft.fdb.registry;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeaseKeysTest {
    @Test
    void layoutUnderThePrefix() {
        LeaseKeys k = new LeaseKeys("/coreos.com/network/");
        assertThat(k.configKey()).isEqualTo("/coreos.com/network/config");
        assertThat(k.subnetsPrefix()).isEqualTo("/coreos.com/network/subnets");
        assertThat(k.keyOf(new SubnetKey(Subnet.parse("10.5.34.0/24"), null))).isEqualTo("/coreos.com/network/subnets/10.5.34.0-24");
        assertThat(k.keyOf(new SubnetKey(Subnet.parse("10.244.1.0/24"), Subnet.parse("fd00:0:0:1::/64"))))
                .isEqualTo("/coreos.com/network/subnets/10.244.1.0-24&fd00:0:0:1::-64");
    }

    @Test
    void parsesV4AndDualStackKeysAsFlannelDoes() {
        assertThat(LeaseKeys.parse("/coreos.com/network/subnets/10.5.34.0-24"))
                .isEqualTo(new SubnetKey(Subnet.parse("10.5.34.0/24"), null));
        assertThat(LeaseKeys.parse("10.244.1.0-24&fd00:0:0:1::-64"))
                .isEqualTo(new SubnetKey(Subnet.parse("10.244.1.0/24"), Subnet.parse("fd00:0:0:1::/64")));
        // IPv6-only networks write 0.0.0.0-0 as the IPv4 part.
        assertThat(LeaseKeys.parse("x/0.0.0.0-0&2001:cafe:42::-64").v6()).isEqualTo(Subnet.parse("2001:cafe:42::/64"));
    }

    @Test
    void rejectsWhatFlannelRejects() {
        assertThatThrownBy(() -> LeaseKeys.parse("/p/subnets/10.5.34.0-32")).hasMessageContaining("prefix length 32 is above 31");
        assertThatThrownBy(() -> LeaseKeys.parse("/p/subnets/10.5.34.0-24&fd00::-128")).hasMessageContaining("above 127");
        assertThatThrownBy(() -> LeaseKeys.parse("/p/subnets/10.5.34.0/24")).hasMessageContaining("is not of the form");
        assertThatThrownBy(() -> LeaseKeys.parse("/p/subnets/10.5.999.0-24")).hasMessageContaining("not an IPv4 address");
        // Upper-case hex is not in flannel's character class; Go never writes it.
        assertThatThrownBy(() -> LeaseKeys.parse("/p/subnets/10.5.1.0-24&FD00::-64")).hasMessageContaining("is not of the form");
    }
}
