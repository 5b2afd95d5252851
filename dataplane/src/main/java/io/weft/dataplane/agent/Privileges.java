package io.weft.dataplane.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process may create a TUN and program the host network (root, or CAP_NET_ADMIN). */
final class Privileges {
    private static final int CAP_NET_ADMIN = 12;

    private Privileges() {
    }

    static void requireNetAdmin() throws AgentException {
        if (!hasNetAdmin()) {
            throw new AgentException("weft run needs root or CAP_NET_ADMIN to create its TUN device and program routes;"
                    + " run it as root (sudo) or through weft.service, which grants CAP_NET_ADMIN");
        }
    }

    static boolean hasNetAdmin() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (caps & (1L << CAP_NET_ADMIN)) != 0;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux, or unreadable: fall through
        }
        return false;
    }
}
