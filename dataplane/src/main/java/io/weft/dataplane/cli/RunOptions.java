package io.weft.dataplane.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.weft.dataplane.agent.AgentSettings;
import io.weft.fdb.registry.EtcdOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code weft run}. Flags that flanneld has carry flanneld's names and defaults (reference §4) and
 * are accepted with one or two dashes and from {@code FLANNELD_<FLAG>}; weft's own flags ({@code descriptionKey =
 * "weft"}) read {@code WEFT_<FLAG>}.
 */
public final class RunOptions {
    // A String, not a List: given twice, the last one wins, as with Go's flag package (flanneld).
    @Option(names = {"-etcd-endpoints", "--etcd-endpoints"}, paramLabel = "URL[,URL...]",
            defaultValue = "http://127.0.0.1:4001,http://127.0.0.1:2379",
            description = "etcd endpoints, comma-separated (default: ${DEFAULT-VALUE})")
    String etcdEndpoints;

    @Option(names = {"-etcd-prefix", "--etcd-prefix"}, defaultValue = "/coreos.com/network",
            description = "etcd key prefix (default: ${DEFAULT-VALUE})")
    String etcdPrefix;

    @Option(names = {"-etcd-cafile", "--etcd-cafile"}, description = "CA for etcd's TLS (used when cert and key are set)")
    Path etcdCaFile;

    @Option(names = {"-etcd-certfile", "--etcd-certfile"}, description = "client certificate for etcd's TLS")
    Path etcdCertFile;

    @Option(names = {"-etcd-keyfile", "--etcd-keyfile"}, description = "client key for etcd's TLS")
    Path etcdKeyFile;

    @Option(names = {"-etcd-username", "--etcd-username"}, description = "etcd user name")
    String etcdUsername;

    @Option(names = {"-etcd-password", "--etcd-password"}, description = "etcd password")
    String etcdPassword;

    @Option(names = {"-iface", "--iface"}, split = ",", paramLabel = "NAME|IP",
            description = "underlay interface, by name or address; repeatable, the first that exists wins")
    List<String> iface = new ArrayList<>();

    // One regular expression per flag, never split: a comma is part of a regex ({1,2}), as in flanneld.
    @Option(names = {"-iface-regex", "--iface-regex"}, paramLabel = "REGEX",
            description = "regex matched against interface addresses, then names; repeatable, tried after -iface")
    List<String> ifaceRegex = new ArrayList<>();

    @Option(names = {"-iface-can-reach", "--iface-can-reach"}, paramLabel = "IP",
            description = "use the interface of the route to this address ('ip route get IP'); tried after -iface-regex")
    String ifaceCanReach;

    @Option(names = {"-public-ip", "--public-ip"}, paramLabel = "IP",
            description = "address advertised in the lease (e.g. a cloud NAT's public address); packets are sent from it when"
                    + " this host has it, else from the interface address")
    String publicIp;

    @Option(names = {"-public-ipv6", "--public-ipv6"}, paramLabel = "IPV6",
            description = "IPv6 address advertised in a dual-stack or IPv6-only lease (PublicIPv6); default: the IPv6"
                    + " address of the underlay interface")
    String publicIpv6;

    @Option(names = {"--public-ip-from", "-public-ip-from"}, descriptionKey = "weft", paramLabel = "URL",
            description = "fetch the address to advertise from this URL, which answers it as plain text (like 'curl ip.sb');"
                    + " for hosts behind a cloud NAT. Not with -public-ip")
    String publicIpFrom;

    @Option(names = {"-subnet-file", "--subnet-file"}, defaultValue = "/run/flannel/subnet.env",
            description = "where to write the subnet.env for the flannel CNI plugin (default: ${DEFAULT-VALUE})")
    Path subnetFile;

    @Option(names = {"-subnet-lease-renew-margin", "--subnet-lease-renew-margin"}, defaultValue = "60", paramLabel = "MINUTES",
            description = "renew the lease this many minutes before it expires, 1..1439 (default: ${DEFAULT-VALUE})")
    int subnetLeaseRenewMarginMinutes;

    @Option(names = {"-ip-masq", "--ip-masq"}, arity = "0..1", fallbackValue = "true", defaultValue = "false",
            description = "install flannel's FLANNEL-POSTRTG masquerade rules")
    boolean ipMasq;

    @Option(names = {"-ip-masq-fully-random-disable", "--ip-masq-fully-random-disable"}, arity = "0..1",
            fallbackValue = "true", defaultValue = "false",
            description = "masquerade without --random-fully (nftables: without fully-random)")
    boolean ipMasqRandomFullyDisable;

    @Option(names = {"-ip-blackhole-route", "--ip-blackhole-route"}, arity = "0..1", fallbackValue = "true",
            defaultValue = "false", description = "add a blackhole route for this node's subnet, re-checked every"
            + " -iptables-resync seconds")
    boolean blackholeRoute;

    @Option(names = {"-iptables-forward-rules", "--iptables-forward-rules"}, arity = "0..1", fallbackValue = "true",
            defaultValue = "true", description = "install flannel's FLANNEL-FWD accept rules (default: ${DEFAULT-VALUE})")
    boolean iptablesForwardRules;

    @Option(names = {"-iptables-resync", "--iptables-resync"}, defaultValue = "5", paramLabel = "SECONDS",
            description = "how often the iptables rules are checked and restored (default: ${DEFAULT-VALUE})")
    int iptablesResyncSeconds;

    @Option(names = {"-healthz-ip", "--healthz-ip"}, defaultValue = "0.0.0.0",
            description = "address of the /healthz and /readyz endpoint (default: ${DEFAULT-VALUE})")
    String healthzIp;

    @Option(names = {"-healthz-port", "--healthz-port"}, defaultValue = "0",
            description = "port of the /healthz and /readyz endpoint, 0 = off (default: ${DEFAULT-VALUE})")
    int healthzPort;

    @Mixin
    KlogOptions logging = new KlogOptions();

    @Mixin
    KubeModeOptions kubeMode = new KubeModeOptions();

    @Option(names = {"--run-dir", "-run-dir"}, descriptionKey = "weft", defaultValue = "/run/weft",
            description = "control socket and state (default: ${DEFAULT-VALUE})")
    Path runDir;

    @Option(names = {"--device", "-device"}, descriptionKey = "weft", paramLabel = "NAME",
            description = "TUN device name (default: weft.<VNI>)")
    String device;

    @Option(names = {"--workers", "-workers"}, descriptionKey = "weft", defaultValue = "0",
            description = "data-plane worker threads (default: the number of cores, at most 8)")
    int workers;

    @Option(names = {"--busy-poll-us", "-busy-poll-us"}, descriptionKey = "weft", defaultValue = "0", paramLabel = "US",
            description = "SO_BUSY_POLL on the VXLAN sockets: microseconds to poll the device when a receive finds "
                    + "nothing, for lower latency at the cost of CPU; 0 = off (default: ${DEFAULT-VALUE})")
    int busyPollMicros;

    @Option(names = {"--metrics-port", "-metrics-port"}, descriptionKey = "weft", defaultValue = "0",
            description = "Prometheus /metrics port on -healthz-ip, 0 = off (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = {"--accept-unknown-vteps", "-accept-unknown-vteps"}, descriptionKey = "weft", arity = "0..1",
            fallbackValue = "true", defaultValue = "false",
            description = "accept VXLAN packets from addresses that are no peer's PublicIP (default: ${DEFAULT-VALUE})")
    boolean acceptUnknownVteps;

    @Option(names = {"--accept-any-inner-source", "-accept-any-inner-source"}, descriptionKey = "weft", arity = "0..1",
            fallbackValue = "true", defaultValue = "false",
            description = "take a peer's packets whatever their inner source address; by default it must lie in the"
            + " subnet that peer holds (default: ${DEFAULT-VALUE})")
    boolean acceptAnyInnerSource;

    @Option(names = {"--offloads", "-offloads"}, descriptionKey = "weft", arity = "0..1", fallbackValue = "true",
            defaultValue = "true", description = "TSO/GSO/GRO on the TUN and the UDP socket when the kernel has them;"
            + " false forces the per-packet path (default: ${DEFAULT-VALUE})")
    boolean offloads;

    @Option(names = {"--replace-flannel", "-replace-flannel"}, descriptionKey = "weft", arity = "0..1",
            fallbackValue = "true", defaultValue = "false",
            description = "take over from a stopped flanneld: delete its flannel.<VNI> device (with its neighbour, FDB"
            + " entries and routes) and its direct routes, keep its lease and iptables rules (default: ${DEFAULT-VALUE})")
    boolean replaceFlannel;

    @Option(names = {"--tcp-fallback-port", "-tcp-fallback-port"}, descriptionKey = "weft", defaultValue = "-1",
            paramLabel = "PORT", description = "TCP port of the fallback transport that carries the VXLAN frames to weft"
            + " peers when UDP between the hosts gets no answer; 0 = off (default: the VXLAN port's number)")
    int tcpFallbackPort;

    @Option(names = {"--tcp-tls-ca", "-tcp-tls-ca"}, descriptionKey = "weft", paramLabel = "FILE",
            description = "PEM CA certificate(s) a TCP fallback peer's certificate must be from (mutual TLS, with"
            + " --tcp-tls-cert and --tcp-tls-key)")
    Path tcpTlsCa;

    @Option(names = {"--tcp-tls-cert", "-tcp-tls-cert"}, descriptionKey = "weft", paramLabel = "FILE",
            description = "PEM certificate (chain) this host shows on the TCP fallback")
    Path tcpTlsCert;

    @Option(names = {"--tcp-tls-key", "-tcp-tls-key"}, descriptionKey = "weft", paramLabel = "FILE",
            description = "PEM key of --tcp-tls-cert: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted")
    Path tcpTlsKey;

    /** The validated settings; throws IllegalArgumentException with a message naming the flag. */
    public AgentSettings toSettings() {
        return new AgentSettings(EtcdOptions.parseEndpoints(etcdEndpoints), etcdPrefix, etcdCaFile, etcdCertFile, etcdKeyFile, etcdUsername,
                etcdPassword, iface, ifaceRegex, ifaceCanReach, publicIp, publicIpFrom, publicIpv6, subnetFile, Duration.ofMinutes(subnetLeaseRenewMarginMinutes),
                ipMasq, ipMasqRandomFullyDisable, blackholeRoute, iptablesForwardRules,
                Duration.ofSeconds(iptablesResyncSeconds), healthzIp, healthzPort, logging.verbosity, runDir,
                device, workers, metricsPort, acceptUnknownVteps, acceptAnyInnerSource,
                offloads, kubeMode.toOptions(), kubeMode.nodeIpDnat, replaceFlannel,
                tcpFallbackPort, tcpTlsCa, tcpTlsCert, tcpTlsKey);
    }
}
