package io.weft.fdb.registry;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class SubnetEnvTest {
    @TempDir
    Path dir;

    @Test
    void writesFlanneldsExactBytesAtomicallyWithMode0644() throws Exception {
        Path f = dir.resolve("run/flannel/subnet.env");
        SubnetEnv env = new SubnetEnv(Subnet.parse("10.244.0.0/16"), Subnet.parse("10.244.1.0/24"), null, null, 1450, true);
        env.write(f);
        assertThat(Files.readString(f)).isEqualTo("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n"
                + "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r--r--");
        try (var files = Files.list(f.getParent())) {
            assertThat(files).containsExactly(f); // no temporary file left behind
        }
    }

    @Test
    void dualStackOrderAndRoundTrip() throws Exception {
        Path f = dir.resolve("subnet.env");
        SubnetEnv env = new SubnetEnv(Subnet.parse("10.244.0.0/16"), Subnet.parse("10.244.1.0/24"),
                Subnet.parse("2001:cafe:42::/56"), Subnet.parse("2001:cafe:42::/64"), 1450, false);
        env.write(f);
        assertThat(Files.readString(f)).isEqualTo("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n"
                + "FLANNEL_IPV6_NETWORK=2001:cafe:42::/56\nFLANNEL_IPV6_SUBNET=2001:cafe:42::1/64\n"
                + "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n");
        assertThat(SubnetEnv.read(f)).isEqualTo(env);
        // Overwriting replaces the content whole.
        new SubnetEnv(Subnet.parse("10.244.0.0/16"), Subnet.parse("10.244.9.0/24"), null, null, 8950, false).write(f);
        assertThat(SubnetEnv.read(f).subnet()).isEqualTo(Subnet.parse("10.244.9.0/24"));
    }

    @Test
    void ipv6OnlyWritesOnlyTheIpv6LinesAndTheirSubnetIsReadBackAsThePreviousOne() throws Exception {
        Path f = dir.resolve("subnet.env");
        new SubnetEnv(null, null, Subnet.parse("fd00:10::/48"), Subnet.parse("fd00:10:0:5::/64"), 1430, true).write(f);
        assertThat(Files.readString(f)).isEqualTo("FLANNEL_IPV6_NETWORK=fd00:10::/48\nFLANNEL_IPV6_SUBNET=fd00:10:0:5::1/64\n"
                + "FLANNEL_MTU=1430\nFLANNEL_IPMASQ=true\n");
        SubnetEnv back = SubnetEnv.read(f);
        assertThat(back.subnet()).isNull();
        assertThat(back.ipv6Subnet()).isEqualTo(Subnet.parse("fd00:10:0:5::/64"));
    }

    @Test
    void readToleratesMissingFileCommentsUnknownKeysAndIgnoresListsAsFlanneldDoes() throws Exception {
        assertThat(SubnetEnv.read(dir.resolve("absent")).subnet()).isNull();
        Path f = dir.resolve("subnet.env");
        Files.writeString(f, "# written by hand\n\nFLANNEL_NETWORK=10.244.0.0/16,10.245.0.0/16\nexport FLANNEL_SUBNET=\"10.244.7.1/24\"\n"
                + "SOMETHING_ELSE=1\nFLANNEL_IPV6_SUBNET=fd00::1/64,fd01::1/64\nFLANNEL_MTU=1400\nFLANNEL_IPMASQ=true\n");
        SubnetEnv env = SubnetEnv.read(f);
        assertThat(env.network()).isNull();
        assertThat(env.subnet()).isEqualTo(Subnet.parse("10.244.7.0/24"));
        assertThat(env.ipv6Subnet()).isNull();
        assertThat(env.mtu()).isEqualTo(1400);
        assertThat(env.ipMasq()).isTrue();
    }
}
