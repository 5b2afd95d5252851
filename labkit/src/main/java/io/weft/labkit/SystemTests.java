package io.weft.labkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Gatekeeping for tests that need the system: root, a binary such as {@code etcd}, {@code /dev/net/tun}.
 * Such a test skips with a message saying why, except when {@code WEFT_REQUIRE_SYSTEM_TESTS=1} (CI), where a
 * missing requirement fails the test instead, so that CI can never pass by skipping.
 */
public final class SystemTests {
    public static final String REQUIRE_ENV = "WEFT_REQUIRE_SYSTEM_TESTS";

    private SystemTests() {
    }

    public static boolean required() {
        return "1".equals(System.getenv(REQUIRE_ENV));
    }

    /** Skips (or, under CI, fails) unless {@code condition} holds. */
    public static void require(boolean condition, String whyNot) {
        if (condition) {
            return;
        }
        if (required()) {
            Assertions.fail(REQUIRE_ENV + "=1 but this system test cannot run: " + whyNot);
        }
        Assumptions.abort("skipped: " + whyNot + " (set " + REQUIRE_ENV + "=1 to make this a failure)");
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name")) || uid() == 0;
    }

    public static void requireRoot() {
        require(isRoot(), "needs root (network namespaces, TUN, kernel vxlan devices)");
        require(Files.exists(Path.of("/dev/net/tun")), "needs /dev/net/tun");
    }

    /** The absolute path of {@code name} on PATH (or /usr/sbin, /sbin), or null. */
    public static Path which(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    public static Path requireBinary(String name, String debianPackage) {
        Path p = which(name);
        require(p != null, "needs the '" + name + "' binary (Debian package " + debianPackage + "; ./scripts/test installs it)");
        return p;
    }

    private static long uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (Exception ignored) {
            // not Linux: treat as unprivileged
        }
        return -1;
    }
}
