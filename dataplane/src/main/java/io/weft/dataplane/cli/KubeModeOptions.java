package io.weft.dataplane.cli;

import picocli.CommandLine.Option;

/**
 * flanneld's Kubernetes subnet manager flags. weft implements the etcd subnet manager, where flanneld ignores all
 * of these, so any value is accepted except {@code -kube-subnet-mgr=true}, which {@link FlanneldFlags} refuses before
 * parsing (a manifest that spells out {@code -kube-subnet-mgr=false} or {@code -set-node-network-unavailable=true}
 * starts unchanged).
 */
final class KubeModeOptions {
    @Option(names = {"-kube-subnet-mgr", "--kube-subnet-mgr"}, hidden = true, arity = "0..1", fallbackValue = "true",
            defaultValue = "false", description = "refused when true: weft uses the etcd subnet manager")
    boolean kubeSubnetMgr;

    @Option(names = {"-kube-api-url", "--kube-api-url"}, hidden = true, description = "kube mode only: ignored")
    String kubeApiUrl;

    @Option(names = {"-kubeconfig-file", "--kubeconfig-file"}, hidden = true, description = "kube mode only: ignored")
    String kubeconfigFile;

    @Option(names = {"-kube-annotation-prefix", "--kube-annotation-prefix"}, hidden = true,
            description = "kube mode only: ignored")
    String kubeAnnotationPrefix;

    @Option(names = {"-net-config-path", "--net-config-path"}, hidden = true,
            description = "kube mode only (etcd mode reads <etcd-prefix>/config): ignored")
    String netConfigPath;

    @Option(names = {"-set-node-network-unavailable", "--set-node-network-unavailable"}, hidden = true,
            arity = "0..1", fallbackValue = "true", defaultValue = "true", description = "kube mode only: ignored")
    boolean setNodeNetworkUnavailable;
}
