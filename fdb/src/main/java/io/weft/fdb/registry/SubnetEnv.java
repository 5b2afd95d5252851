package io.weft.fdb.registry;

import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /run/flannel/subnet.env}, which the flannel CNI plugin reads, in flanneld's exact format and key order:
 * <pre>
 * FLANNEL_NETWORK=10.244.0.0/16
 * FLANNEL_SUBNET=10.244.1.1/24
 * FLANNEL_IPV6_NETWORK=fd00::/56
 * FLANNEL_IPV6_SUBNET=fd00::1/64
 * FLANNEL_MTU=1450
 * FLANNEL_IPMASQ=false
 * </pre>
 * The SUBNET lines carry the subnet's first address (network + 1) with the subnet's prefix length.
 *
 * @param network     {@code FLANNEL_NETWORK}, or null (IPv4 disabled)
 * @param subnet      our IPv4 subnet (written as first address/len), or null
 * @param ipv6Network {@code FLANNEL_IPV6_NETWORK}, or null (IPv6 disabled)
 * @param ipv6Subnet  our IPv6 subnet, or null
 * @param mtu         {@code FLANNEL_MTU} (0 when absent in a file read)
 * @param ipMasq      {@code FLANNEL_IPMASQ}
 */
public record SubnetEnv(Subnet network, Subnet subnet, Subnet ipv6Network, Subnet ipv6Subnet, int mtu, boolean ipMasq) {
    private static final Logger LOG = LoggerFactory.getLogger(SubnetEnv.class);
    public static final Path DEFAULT_PATH = Path.of("/run/flannel/subnet.env");

    /** The file's text, byte for byte as flanneld writes it. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        if (network != null && subnet != null) {
            sb.append("FLANNEL_NETWORK=").append(network).append('\n');
            sb.append("FLANNEL_SUBNET=").append(firstHost(subnet)).append('\n');
        }
        if (ipv6Network != null && ipv6Subnet != null) {
            sb.append("FLANNEL_IPV6_NETWORK=").append(ipv6Network).append('\n');
            sb.append("FLANNEL_IPV6_SUBNET=").append(firstHost(ipv6Subnet)).append('\n');
        }
        sb.append("FLANNEL_MTU=").append(mtu).append('\n');
        sb.append("FLANNEL_IPMASQ=").append(ipMasq).append('\n');
        return sb.toString();
    }

    /**
     * Writes atomically: a temporary file in the same directory, flushed, mode 0644, renamed over the target, so the
     * CNI plugin never reads half a file. Missing parent directories are created.
     */
    public void write(Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(render().getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a file written by flanneld or weft. A missing file gives all-empty values; comments, blank lines,
     * {@code export } prefixes, quotes and unknown keys are tolerated; a value that does not parse, or a key with
     * more than one comma-separated value, is ignored with a warning, as flanneld ignores it.
     */
    public static SubnetEnv read(Path path) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new SubnetEnv(null, null, null, null, 0, false);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            values.put(line.substring(0, eq).strip(), unquote(line.substring(eq + 1).strip()));
        }
        return new SubnetEnv(cidr(path, values, "FLANNEL_NETWORK"), cidr(path, values, "FLANNEL_SUBNET"),
                cidr(path, values, "FLANNEL_IPV6_NETWORK"), cidr(path, values, "FLANNEL_IPV6_SUBNET"),
                integer(path, values, "FLANNEL_MTU"), "true".equals(values.get("FLANNEL_IPMASQ")));
    }

    private static String firstHost(Subnet s) {
        return Subnet.formatAddress(s.firstHost()) + "/" + s.prefixLength();
    }

    private static Subnet cidr(Path path, Map<String, String> values, String key) {
        String v = values.get(key);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.contains(",")) {
            LOG.warn("{} in {} has more than one value ({}); ignoring it as flanneld does", key, path, v);
            return null;
        }
        try {
            return Subnet.parseLenient(v);
        } catch (IllegalArgumentException e) {
            LOG.warn("{} in {} is not a CIDR ({}); ignoring it", key, path, e.getMessage());
            return null;
        }
    }

    private static int integer(Path path, Map<String, String> values, String key) {
        String v = values.get(key);
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            LOG.warn("{} in {} is not a number ({}); ignoring it", key, path, v);
            return 0;
        }
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
            return v.substring(1, v.length() - 1);
        }
        int hash = v.indexOf(" #");
        return hash >= 0 ? v.substring(0, hash).strip() : v;
    }
}
