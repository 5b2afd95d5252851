package io.weft.vtep;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VtepMacsTest {
    private static final String MACHINE = "4c1f1b0d5a0e4f3c9a7b2d6e8f10a2b3";

    @Test
    void sameHostAndVniGiveTheSameMacEveryTime() {
        MacAddress first = VtepMacs.derive(MACHINE, 1);
        assertThat(VtepMacs.derive(MACHINE, 1)).isEqualTo(first);
        assertThat(VtepMacs.derive(MACHINE + "\n", 1)).as("/etc/machine-id as read, with its newline").isEqualTo(first);
        assertThat(VtepMacs.derive(MACHINE.toUpperCase(), 1)).isEqualTo(first);
    }

    @Test
    void derivationIsPinned() {
        // SHA-256("weft-vtep-mac" 00 machine-id 00 00000001), first 6 bytes, byte 0 with 0x02 set and 0x01 clear.
        // Pinned so that a refactoring cannot silently change every host's VtepMAC (peers would hold stale FDB entries).
        assertThat(VtepMacs.derive(MACHINE, 1).toString()).isEqualTo(pinnedValue());
    }

    private static String pinnedValue() {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            byte[] in = ("weft-vtep-mac\0" + MACHINE + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            sha.update(in);
            byte[] d = sha.digest(new byte[] {0, 0, 0, 1});
            d[0] = (byte) ((d[0] & 0xFE) | 0x02);
            return String.format("%02x:%02x:%02x:%02x:%02x:%02x", d[0], d[1], d[2], d[3], d[4], d[5]);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void differsByVniAndByMachine() {
        assertThat(VtepMacs.derive(MACHINE, 1)).isNotEqualTo(VtepMacs.derive(MACHINE, 2));
        assertThat(VtepMacs.derive(MACHINE, 1)).isNotEqualTo(VtepMacs.derive(MACHINE.replace('4', '5'), 1));
    }

    @Property
    void derivedIsAlwaysLocallyAdministeredUnicast(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 40) String id,
                                                   @ForAll @IntRange(max = Vxlan.MAX_VNI) int vni) {
        MacAddress mac = VtepMacs.derive(id, vni);
        assertThat(mac.isLocallyAdministered()).isTrue();
        assertThat(mac.isUnicast()).isTrue();
    }

    @Property
    void randomIsAlwaysLocallyAdministeredUnicast(@ForAll long seed) {
        MacAddress mac = VtepMacs.random(new Random(seed));
        assertThat(mac.isLocallyAdministered()).isTrue();
        assertThat(mac.isUnicast()).isTrue();
    }

    @Test
    void refusesWhatCannotGiveAStableMac() {
        assertThatThrownBy(() -> VtepMacs.derive("  \n", 1)).hasMessageContaining("empty machine id")
                .hasMessageContaining("/etc/machine-id");
        assertThatThrownBy(() -> VtepMacs.derive(null, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VtepMacs.derive(MACHINE, 1 << 24)).hasMessageContaining("VNI 16777216");
    }
}
