package io.weft.fdb.kube;

import java.net.Inet4Address;

/**
 * Where a peer node is reached: its {@code InternalIP} (what the API server dials for kubectl exec and logs) and the
 * {@code public-ip} it advertises (where its VXLAN traffic goes).
 *
 * @param node       the node's name
 * @param internalIp the first IPv4 {@code InternalIP} in {@code status.addresses}, or null if it has none
 * @param publicIp   the advertised {@code public-ip}
 */
public record NodeAddress(String node, Inet4Address internalIp, Inet4Address publicIp) {
}
