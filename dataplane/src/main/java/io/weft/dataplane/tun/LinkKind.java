package io.weft.dataplane.tun;

import io.weft.dataplane.os.HostCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What kind of network device already holds a name: used to explain why the TUN device cannot take it. */
final class LinkKind {
    private static final Pattern INFO_KIND = Pattern.compile("\"info_kind\"\\s*:\\s*\"([^\"]+)\"");
    /** Only an error message waits for this answer: give up on it early rather than delay the error. */
    private static final Duration IP_DEADLINE = Duration.ofSeconds(5);

    private LinkKind() {
    }

    static boolean exists(String name) {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    /** True if /sys says the device is a TUN/TAP device (it has a tun_flags attribute). */
    static boolean isTun(String name) {
        return Files.exists(Path.of("/sys/class/net", name, "tun_flags"));
    }

    /** The iproute2 link kind ("vxlan", "veth", "bridge", ...), "tun", or "unknown" when it cannot be told. */
    static String of(String name) {
        if (isTun(name)) {
            return "tun";
        }
        HostCommand.Result r = HostCommand.run(List.of("ip", "-d", "-j", "link", "show", "dev", name), IP_DEADLINE);
        Matcher m = INFO_KIND.matcher(r.stdout());
        return r.ok() && m.find() ? m.group(1) : "unknown";
    }

    /** The error for a name held by a device that is not a TUN device, with the command that frees it. */
    static String occupiedMessage(String name, String kind) {
        String base = "cannot create TUN device " + name + ": a " + kind + " device with that name already exists";
        if ("vxlan".equals(kind)) {
            return base + " (most likely the kernel flannel.1-style device left by flanneld); stop flanneld and run"
                    + " 'ip link delete " + name + "', or give weft another device name";
        }
        return base + "; remove it with 'ip link delete " + name + "' or give weft another device name";
    }
}
