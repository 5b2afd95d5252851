package io.weft.fdb.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Map;

/**
 * The client configuration of a pod, as client-go's {@code rest.InClusterConfig}: the API server at
 * {@code https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT}, the service account's bearer token and CA from
 * its directory. Built from the given environment and directory rather than by fabric8's auto-configuration, which
 * reads fixed paths and would prefer a {@code ~/.kube/config} it finds.
 */
final class InClusterConfig {
    /** Where the kubelet mounts a pod's service account. */
    static final Path SERVICE_ACCOUNT_DIR = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private InClusterConfig() {
    }

    /** @throws IllegalArgumentException in one line when this is not a pod, or its service account is not usable */
    static Config from(Map<String, String> env, Path serviceAccountDir) {
        String host = env.getOrDefault("KUBERNETES_SERVICE_HOST", "").trim();
        String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "").trim();
        if (host.isEmpty() || port.isEmpty()) {
            throw new IllegalArgumentException("-kube-subnet-mgr needs the API server: not running in a pod (no"
                    + " KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT), so pass -kubeconfig-file (or -kube-api-url)");
        }
        Path tokenFile = serviceAccountDir.resolve("token");
        Path caFile = serviceAccountDir.resolve("ca.crt");
        ServiceAccountToken token;
        try {
            token = new ServiceAccountToken(tokenFile);
        } catch (UncheckedIOException e) {
            throw unusable("token " + tokenFile + (Files.exists(tokenFile) ? " cannot be read" : " does not exist"));
        }
        if (token.getToken().isEmpty()) {
            throw unusable("token " + tokenFile + " is empty");
        }
        if (!Files.isRegularFile(caFile) || !Files.isReadable(caFile)) {
            throw unusable("CA certificate " + caFile + " cannot be read");
        }
        if (!holdsCertificate(caFile)) {
            // fabric8 would take it silently and every request would then fail its TLS handshake.
            throw unusable("CA certificate " + caFile + " holds no PEM certificate");
        }
        String hostPort = host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        return new ConfigBuilder(Config.empty())
                .withMasterUrl("https://" + hostPort)
                .withOauthTokenProvider(token)
                .withCaCertFile(caFile.toString())
                .withNamespace(namespace(serviceAccountDir.resolve("namespace")))
                .build();
    }

    private static IllegalArgumentException unusable(String what) {
        return new IllegalArgumentException("-kube-subnet-mgr: the pod's service-account " + what + "; mount the"
                + " service account (automountServiceAccountToken) or pass -kubeconfig-file (or -kube-api-url)");
    }

    private static boolean holdsCertificate(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return !CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty();
        } catch (IOException | CertificateException e) {
            return false;
        }
    }

    /** The pod's namespace, or null when the file is absent (weft names its namespace by POD_NAMESPACE). */
    private static String namespace(Path file) {
        try {
            return Files.isReadable(file) ? Files.readString(file).trim() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
