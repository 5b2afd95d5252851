package io.weft.dataplane.agent;

import io.weft.vtep.MacAddress;
import io.weft.vtep.VtepMacs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * Our VtepMAC, derived from {@code /etc/machine-id} and the VNI so that it survives restarts and reboots: flanneld's
 * random MAC per boot makes every peer re-learn it and leaves stale FDB entries behind on flanneld peers.
 *
 * <p>The advertised address is mixed in as well: VMs cloned from one image often share a machine-id (and so do
 * network-namespace labs on one machine), and two hosts with one VtepMAC would drop each other's frames as loops.
 */
final class VtepMacSource {
    private static final Logger log = LoggerFactory.getLogger(VtepMacSource.class);
    static final Path MACHINE_ID = Path.of("/etc/machine-id");

    private VtepMacSource() {
    }

    static MacAddress forHost(Path machineIdFile, int vni, String publicIp) {
        try {
            String id = new String(Files.readAllBytes(machineIdFile), StandardCharsets.US_ASCII).trim();
            if (!id.isEmpty()) {
                return VtepMacs.derive(id + "/" + publicIp, vni);
            }
            log.warn("{} is empty; using a random VtepMAC, which changes on every start (peers re-learn it)", machineIdFile);
        } catch (IOException e) {
            log.warn("cannot read {} ({}); using a random VtepMAC, which changes on every start (peers re-learn it)",
                    machineIdFile, e.toString());
        }
        return VtepMacs.random(new SecureRandom());
    }
}
