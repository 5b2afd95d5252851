package io.weft.fdb.registry;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to reach etcd, with flanneld's flags and defaults ({@code -etcd-endpoints}, {@code -etcd-prefix},
 * {@code -etcd-cafile}, {@code -etcd-certfile}, {@code -etcd-keyfile}, {@code -etcd-username}, {@code -etcd-password}).
 *
 * @param endpoints client URLs, e.g. {@code http://127.0.0.1:2379}
 * @param prefix    key prefix, no trailing slash
 * @param caFile    CA bundle to verify etcd's certificate, or null (used only with TLS, as flanneld does)
 * @param certFile  client certificate (PEM), or null
 * @param keyFile   client key (PEM: PKCS#1, SEC1 or PKCS#8), or null
 * @param username  etcd user, or null
 * @param password  etcd password, or null
 */
public record EtcdOptions(List<String> endpoints, String prefix, Path caFile, Path certFile, Path keyFile,
                          String username, String password) {
    public static final String DEFAULT_ENDPOINTS = "http://127.0.0.1:4001,http://127.0.0.1:2379";
    public static final String DEFAULT_PREFIX = "/coreos.com/network";

    public EtcdOptions {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("--etcd-endpoints is empty; give at least one URL such as http://127.0.0.1:2379");
        }
        for (String e : endpoints) {
            URI u;
            try {
                u = URI.create(e);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("--etcd-endpoints: \"" + e + "\" is not a URL (want http://host:port)");
            }
            if (u.getHost() == null || u.getPort() < 0 || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new IllegalArgumentException("--etcd-endpoints: \"" + e + "\" is not an http:// or https:// URL with host and port");
            }
        }
        prefix = normalizePrefix(prefix);
        username = emptyToNull(username);
        password = emptyToNull(password);
    }

    public static EtcdOptions defaults() {
        return new EtcdOptions(parseEndpoints(DEFAULT_ENDPOINTS), DEFAULT_PREFIX, null, null, null, null, null);
    }

    /** Splits a comma-separated list as flanneld's {@code -etcd-endpoints} does. */
    public static List<String> parseEndpoints(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    public EtcdOptions withEndpoints(String csv) {
        return new EtcdOptions(parseEndpoints(csv), prefix, caFile, certFile, keyFile, username, password);
    }

    public EtcdOptions withPrefix(String newPrefix) {
        return new EtcdOptions(endpoints, newPrefix, caFile, certFile, keyFile, username, password);
    }

    public EtcdOptions withTls(Path ca, Path cert, Path key) {
        return new EtcdOptions(endpoints, prefix, ca, cert, key, username, password);
    }

    public EtcdOptions withCredentials(String user, String pass) {
        return new EtcdOptions(endpoints, prefix, caFile, certFile, keyFile, user, pass);
    }

    /** TLS is used only when both a client certificate and key are given, exactly as flanneld decides. */
    public boolean tls() {
        return certFile != null && keyFile != null;
    }

    /** The endpoints as one string, for messages. */
    public String endpointsText() {
        return String.join(",", endpoints);
    }

    static String normalizePrefix(String p) {
        String s = p == null || p.isBlank() ? DEFAULT_PREFIX : p.trim();
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.startsWith("/") ? s : "/" + s;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    @Override
    public String toString() {
        // Never print the password.
        return "EtcdOptions[endpoints=" + endpointsText() + ", prefix=" + prefix + ", tls=" + tls()
                + ", user=" + (username == null ? "-" : username) + "]";
    }
}
