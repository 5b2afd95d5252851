package io.weft.fdb.kube;

import java.util.regex.Pattern;

/**
 * The node annotation keys flanneld reads and writes under {@code -kube-annotation-prefix}, built by flannel's rules
 * ({@code pkg/subnet/kube/annotations.go}): a prefix without a slash gets one ({@code example.com} →
 * {@code example.com/}), a prefix with a path gets a dash ({@code example.com/net} → {@code example.com/net-}).
 */
public final class AnnotationNames {
    private static final Pattern FORM = Pattern.compile("(?:[a-z0-9_-]+\\.)+[a-z0-9_-]+/(?:[a-z0-9_-]+-)?");

    /**
     * Where a weft node keeps what only weft nodes read ({@code {"Version":1,"PrivateIP":…,"TcpPort":…}}): under weft's
     * own prefix, whatever {@code -kube-annotation-prefix} is, so flanneld never reads it.
     */
    public static final String WEFT_ADVERT = "weft.io/advert";

    private final String prefix;

    private AnnotationNames(String prefix) {
        this.prefix = prefix;
    }

    /** @throws IllegalArgumentException in one line saying what form the prefix must have */
    public static AnnotationNames forPrefix(String given) {
        String p = given;
        long slashes = p.chars().filter(c -> c == '/').count();
        if (slashes > 1) {
            throw new IllegalArgumentException("-kube-annotation-prefix \"" + given + "\" may contain at most one slash");
        }
        if (slashes == 0) {
            p += "/";
        }
        if (!p.endsWith("/") && !p.endsWith("-")) {
            p += "-";
        }
        if (!FORM.matcher(p).matches()) {
            throw new IllegalArgumentException("-kube-annotation-prefix \"" + given + "\" must have the form "
                    + "domain.name[/path] in lowercase letters, digits, '-', '_' and '.', e.g. flannel.alpha.coreos.com");
        }
        return new AnnotationNames(p);
    }

    /** {@code kube-subnet-manager}: "true" on nodes whose flannel (or weft) uses the Kubernetes subnet manager. */
    public String kubeSubnetManager() {
        return prefix + "kube-subnet-manager";
    }

    public String backendType() {
        return prefix + "backend-type";
    }

    /** {@code backend-data}: {@code {"VNI":1,"VtepMAC":"…"}}. */
    public String backendData() {
        return prefix + "backend-data";
    }

    public String backendV6Data() {
        return prefix + "backend-v6-data";
    }

    /** {@code public-ip}: where peers send this node's VXLAN packets. */
    public String publicIp() {
        return prefix + "public-ip";
    }

    public String publicIpv6() {
        return prefix + "public-ipv6";
    }

    /** {@code public-ip-overwrite}: set by users; advertised as {@code public-ip} instead of the detected address. */
    public String publicIpOverwrite() {
        return prefix + "public-ip-overwrite";
    }

    /** {@code node-public-ip}: set by users; used as {@code -public-ip} (must be an address of this host). */
    public String nodePublicIp() {
        return prefix + "node-public-ip";
    }

    /** {@code public-ipv6-overwrite}: set by users; advertised as {@code public-ipv6} instead of the detected address. */
    public String publicIpv6Overwrite() {
        return prefix + "public-ipv6-overwrite";
    }

    /** {@code node-public-ipv6}: set by users; used as {@code -public-ipv6} (must be an address of this host). */
    public String nodePublicIpv6() {
        return prefix + "node-public-ipv6";
    }
}
