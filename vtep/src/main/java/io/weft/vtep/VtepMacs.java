package io.weft.vtep;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Random;

/**
 * Where a VtepMAC comes from. flanneld picks a random MAC per boot, which leaves stale FDB entries on every
 * peer until they see the new lease; weft derives it from the host's machine-id and the VNI, so a host keeps
 * its VtepMAC across restarts and reboots. Both forms are locally administered (0x02 set) and unicast
 * (0x01 clear) in the first byte, as flannel's {@code pkg/mac} makes them.
 */
public final class VtepMacs {
    private static final byte[] DOMAIN = "weft-vtep-mac".getBytes(StandardCharsets.UTF_8);

    private VtepMacs() {
    }

    /**
     * The first 6 bytes of SHA-256 over {@code "weft-vtep-mac" 0x00 machine-id 0x00 vni(4 bytes, big-endian)},
     * with the locally-administered/unicast bits forced. The machine id is used trimmed and lowercased, so the
     * raw content of {@code /etc/machine-id} (with its newline) gives the same MAC as the bare id.
     *
     * @throws IllegalArgumentException for a blank machine id or a VNI outside 0..2^24-1
     */
    public static MacAddress derive(String machineId, int vni) {
        String id = machineId == null ? "" : machineId.trim().toLowerCase(Locale.ROOT);
        if (id.isEmpty()) {
            throw new IllegalArgumentException("cannot derive a VtepMAC from an empty machine id "
                    + "(is /etc/machine-id empty? run systemd-machine-id-setup, or let weft fall back to a random MAC)");
        }
        if (vni < 0 || vni > Vxlan.MAX_VNI) {
            throw new IllegalArgumentException("VNI " + vni + " is outside 0.." + Vxlan.MAX_VNI);
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must provide", e);
        }
        sha.update(DOMAIN);
        sha.update((byte) 0);
        sha.update(id.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(new byte[] {(byte) (vni >>> 24), (byte) (vni >>> 16), (byte) (vni >>> 8), (byte) vni});
        return fromBytes(sha.digest());
    }

    /** A random VtepMAC, for a host without a usable machine id; the caller should log that it is not stable. */
    public static MacAddress random(Random random) {
        byte[] bytes = new byte[MacAddress.LENGTH];
        random.nextBytes(bytes);
        return fromBytes(bytes);
    }

    private static MacAddress fromBytes(byte[] source) {
        byte[] mac = new byte[MacAddress.LENGTH];
        System.arraycopy(source, 0, mac, 0, MacAddress.LENGTH);
        mac[0] = (byte) ((mac[0] & 0xFE) | 0x02);
        return MacAddress.of(mac);
    }
}
