package io.weft.dataplane.socket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SocketDropsTest {
    private static final String HEADER =
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";

    /** A /proc/net/udp line of a socket on port 8472 (0x2118) with this inode and drop count. */
    private static String socket(int slot, long inode, long drops) {
        return String.format("%5d: 00000000:2118 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 %d 2"
                + " 00000000190c1e9b %d\n", slot, inode, drops);
    }

    @Test
    void readsTheDropsOfEachSocketByInode() {
        assertThat(SocketDrops.parse(HEADER + socket(1, 2314940, 0) + socket(2, 2314941, 17)))
                .containsEntry(2314940L, 0L).containsEntry(2314941L, 17L).hasSize(2);
        assertThat(SocketDrops.parse(HEADER)).isEmpty();
    }

    @Test
    void countsOnlyTheGivenSocketsFromTheirFiguresAtStart(@TempDir Path dir) throws Exception {
        Path udp = dir.resolve("udp");
        Path udp6 = dir.resolve("udp6");
        Files.writeString(udp, HEADER + socket(1, 100, 5) + socket(2, 200, 1000) + socket(3, 300, 7));
        Files.writeString(udp6, HEADER + socket(1, 400, 2));
        SocketDrops drops = SocketDrops.from(List.of(udp, udp6, dir.resolve("no-such-table")), Set.of(100L, 300L, 400L));
        assertThat(drops.count()).isZero();
        // Socket 200 shares the port but is not ours: its drops are not counted.
        Files.writeString(udp, HEADER + socket(1, 100, 15) + socket(2, 200, 5000) + socket(3, 300, 8));
        Files.writeString(udp6, HEADER + socket(1, 400, 102));
        assertThat(drops.count()).isEqualTo(10 + 1 + 100);
    }

    @Test
    void findsTheInodeOfAnOpenSocketAndNoneForAFile(@TempDir Path dir) throws Exception {
        Path fds = Path.of("/proc/self/fd");
        assumeTrue(Files.isDirectory(fds), "Linux /proc");
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            // The JDK's socket may be an IPv6 one bound to ::ffff:127.0.0.1, listed in udp6.
            String local = String.format(":%04X", s.getLocalPort());
            List<String> lines = new java.util.ArrayList<>();
            for (Path table : SocketDrops.PROC_NET_UDP) {
                lines.addAll(Files.readAllLines(table));
            }
            String line = lines.stream().filter(l -> l.trim().split("\\s+")[1].endsWith(local)).findFirst().orElseThrow();
            long inode = Long.parseLong(line.trim().split("\\s+")[9]);
            try (var links = Files.list(fds)) {
                assertThat(links.map(SocketDrops::inode)).as("this process's fds hold the socket at %s", local)
                        .contains(inode);
            }
        }
        assertThat(SocketDrops.inode(Files.writeString(dir.resolve("f"), "x"))).isEqualTo(-1);
    }
}
