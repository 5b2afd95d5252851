package io.weft.dataplane.agent;

import io.weft.fdb.kube.KubeOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@code weft run} was told, validated, independent of how it was parsed.
 *
 * @param ifaceCanReach an address whose route names the underlay interface ({@code -iface-can-reach}), or null
 * @param ipMasqRandomFullyDisable masquerade without random-fully ({@code -ip-masq-fully-random-disable})
 * @param blackholeRoute keep a blackhole route for our subnet ({@code -ip-blackhole-route})
 * @param offloads     TSO/GSO/GRO where the kernel has them; false forces the per-packet path
 * @param acceptAnyInnerSource take a peer's packets whatever their inner source (else it must be in the peer's subnet)
 * @param publicIpFrom a URL that answers our public address as plain text (like ip.sb), or null
 * @param publicIpv6 {@code -public-ipv6}: the PublicIPv6 of a dual-stack or IPv6-only lease, or null
 * @param device  the TUN name, or null for {@code weft.<VNI>}
 * @param workers data-plane workers, or 0 for min(cores, 8)
 * @param kube    the Kubernetes subnet manager's options ({@code -kube-subnet-mgr}), or null for etcd
 * @param nodeIpDnat keep DNAT rules from peers' InternalIPs to their public IPs ({@code --node-ip-dnat}, kube only)
 * @param replaceFlannel remove what a stopped flanneld left (its {@code flannel.<VNI>} device, its direct routes)
 *                   before starting ({@code --replace-flannel})
 * @param tcpFallbackPort the TCP fallback's port ({@code --tcp-fallback-port}): -1 for the VXLAN port's number, 0 for
 *                   no TCP fallback
 * @param tcpTlsCa   with {@code tcpTlsCert} and {@code tcpTlsKey}: mutual TLS on the TCP fallback; all null for none
 */
public record AgentSettings(
        List<String> etcdEndpoints,
        String etcdPrefix,
        Path etcdCaFile,
        Path etcdCertFile,
        Path etcdKeyFile,
        String etcdUsername,
        String etcdPassword,
        List<String> iface,
        List<String> ifaceRegex,
        String ifaceCanReach,
        String publicIp,
        String publicIpFrom,
        String publicIpv6,
        Path subnetFile,
        Duration renewMargin,
        boolean ipMasq,
        boolean ipMasqRandomFullyDisable,
        boolean blackholeRoute,
        boolean iptablesForwardRules,
        Duration iptablesResync,
        String healthzIp,
        int healthzPort,
        int verbosity,
        Path runDir,
        String device,
        int workers,
        int metricsPort,
        boolean acceptUnknownVteps,
        boolean acceptAnyInnerSource,
        boolean offloads,
        KubeOptions kube,
        boolean nodeIpDnat,
        boolean replaceFlannel,
        int tcpFallbackPort,
        Path tcpTlsCa,
        Path tcpTlsCert,
        Path tcpTlsKey) {

    public AgentSettings {
        etcdEndpoints = List.copyOf(etcdEndpoints);
        iface = List.copyOf(iface);
        ifaceRegex = List.copyOf(ifaceRegex);
        if (publicIp != null && !publicIp.isBlank() && publicIpFrom != null && !publicIpFrom.isBlank()) {
            throw new IllegalArgumentException("-public-ip and --public-ip-from both given; use one: the address itself,"
                    + " or a URL that prints it");
        }
        if (etcdEndpoints.isEmpty()) {
            throw new IllegalArgumentException("-etcd-endpoints is empty; give at least one URL such as http://127.0.0.1:2379");
        }
        if (renewMargin.toMinutes() < 1 || renewMargin.toMinutes() > 1439) {
            throw new IllegalArgumentException("-subnet-lease-renew-margin " + renewMargin.toMinutes()
                    + " is out of range: it must be 1..1439 minutes");
        }
        checkPort("-healthz-port", healthzPort);
        checkPort("--metrics-port", metricsPort);
        int tlsFiles = (tcpTlsCa != null ? 1 : 0) + (tcpTlsCert != null ? 1 : 0) + (tcpTlsKey != null ? 1 : 0);
        if (tlsFiles != 0 && tlsFiles != 3) {
            throw new IllegalArgumentException("--tcp-tls-ca, --tcp-tls-cert and --tcp-tls-key go together: give all three"
                    + " for mutual TLS on the TCP fallback, or none");
        }
        if (tcpFallbackPort < -1 || tcpFallbackPort > 65535) {
            throw new IllegalArgumentException("--tcp-fallback-port " + tcpFallbackPort + " is out of range: 0 (off) .. 65535,"
                    + " or leave it out for the VXLAN port's number");
        }
        if (workers < 0 || workers > 64) {
            throw new IllegalArgumentException("--workers " + workers + " is out of range: 0 (automatic) .. 64");
        }
        if (device != null && (device.isEmpty() || device.length() > 15 || device.contains("/") || device.contains(" "))) {
            throw new IllegalArgumentException("--device \"" + device + "\" is not a valid interface name (1-15 characters, no '/' or spaces)");
        }
        if (iptablesResync.isNegative() || iptablesResync.isZero()) {
            throw new IllegalArgumentException("-iptables-resync must be at least 1 second");
        }
    }

    /** The TCP fallback port for VXLAN port {@code vxlanPort}: the flag's, else the same number; 0 is off. */
    public int tcpFallbackPort(int vxlanPort) {
        return tcpFallbackPort < 0 ? vxlanPort : tcpFallbackPort;
    }

    /** The rules that choose the underlay interface, in flanneld's order. */
    public ExternalInterface.Rules interfaceRules() {
        // With --public-ip-from the address is not known yet, and is a NAT's: the default route decides.
        return new ExternalInterface.Rules(iface, ifaceRegex, ifaceCanReach, publicIp);
    }

    private static void checkPort(String flag, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(flag + " " + port + " is out of range: 0 (off) .. 65535");
        }
    }
}
