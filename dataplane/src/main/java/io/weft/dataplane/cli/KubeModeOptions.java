package io.weft.dataplane.cli;

import io.weft.fdb.kube.KubeOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * flanneld's Kubernetes subnet manager flags ({@code -kube-subnet-mgr} and what goes with it), and weft's
 * {@code --node-ip-dnat}, which only the Kubernetes mode can serve (it needs the nodes' InternalIPs).
 */
final class KubeModeOptions {
    @Option(names = {"-kube-subnet-mgr", "--kube-subnet-mgr"}, arity = "0..1", fallbackValue = "true",
            defaultValue = "false", description = "take the subnet from this node's spec.podCIDR and follow the other"
            + " nodes' flannel annotations, as flanneld's Kubernetes subnet manager does, instead of etcd")
    boolean kubeSubnetMgr;

    @Option(names = {"-kube-api-url", "--kube-api-url"}, paramLabel = "URL",
            description = "the API server (kube mode; default: the kubeconfig's, or the in-cluster service)")
    String kubeApiUrl;

    @Option(names = {"-kubeconfig-file", "--kubeconfig-file"}, paramLabel = "FILE",
            description = "kubeconfig for the API server (kube mode; default: the pod's service-account credentials)")
    String kubeconfigFile;

    @Option(names = {"-kube-annotation-prefix", "--kube-annotation-prefix"}, paramLabel = "PREFIX",
            defaultValue = KubeOptions.DEFAULT_PREFIX,
            description = "prefix of the node annotations (kube mode; default: ${DEFAULT-VALUE})")
    String kubeAnnotationPrefix;

    @Option(names = {"-net-config-path", "--net-config-path"}, paramLabel = "FILE",
            defaultValue = "/etc/kube-flannel/net-conf.json",
            description = "the network config (kube mode; default: ${DEFAULT-VALUE}; etcd mode reads <etcd-prefix>/config)")
    Path netConfigPath;

    @Option(names = {"-set-node-network-unavailable", "--set-node-network-unavailable"}, arity = "0..1",
            fallbackValue = "true", defaultValue = "true",
            description = "set the node's NetworkUnavailable condition to False when up (kube mode; default: ${DEFAULT-VALUE})")
    boolean setNodeNetworkUnavailable;

    @Option(names = {"--node-ip-dnat", "-node-ip-dnat"}, descriptionKey = "weft", arity = "0..1", fallbackValue = "true",
            defaultValue = "false", description = "on the API server's host: DNAT each peer node's InternalIP to its"
            + " public-ip, so kubectl exec and logs reach kubelets behind NAT (kube mode; default: ${DEFAULT-VALUE})")
    boolean nodeIpDnat;

    /** The Kubernetes subnet manager's options, or null in etcd mode. */
    KubeOptions toOptions() {
        if (nodeIpDnat && !kubeSubnetMgr) {
            throw new IllegalArgumentException("--node-ip-dnat needs -kube-subnet-mgr: the nodes' InternalIPs come from"
                    + " the API server");
        }
        return kubeSubnetMgr ? new KubeOptions(kubeApiUrl, kubeconfigFile, kubeAnnotationPrefix, netConfigPath,
                setNodeNetworkUnavailable) : null;
    }
}
