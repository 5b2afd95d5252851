package io.weft.dataplane.socket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Datagrams the kernel dropped at weft's own VXLAN sockets since this data plane started, before weft read them: the
 * {@code drops} column of {@code /proc/net/udp} and {@code /proc/net/udp6} for those sockets (the socket's
 * {@code sk_drops}). A socket's receive buffer full because its worker fell behind (a flood from a kernel sender, which
 * is paced by nothing on the way) is the usual cause; a datagram whose UDP checksum is wrong is counted here too.
 *
 * <p>The sockets are found by inode, so this counts weft's sockets alone, not others bound to the same port.
 */
public final class SocketDrops {
    /** The UDP socket tables of the namespace this process runs in. */
    public static final List<Path> PROC_NET_UDP = List.of(Path.of("/proc/self/net/udp"), Path.of("/proc/self/net/udp6"));

    private static final Pattern SOCKET_LINK = Pattern.compile("socket:\\[(\\d+)]");
    private static final int INODE_COLUMN = 9;
    private static final int DROPS_COLUMN = 12;

    private final List<Path> tables;
    private final Set<Long> inodes;
    private final long baseline;

    private SocketDrops(List<Path> tables, Set<Long> inodes) {
        this.tables = tables;
        this.inodes = Set.copyOf(inodes);
        this.baseline = sum(tables, this.inodes);
    }

    /** Counts the drops of the sockets open at these fds of this process from now on. */
    public static SocketDrops from(List<Integer> fds) {
        Set<Long> inodes = new HashSet<>();
        for (int fd : fds) {
            long inode = inode(Path.of("/proc/self/fd", Integer.toString(fd)));
            if (inode >= 0) {
                inodes.add(inode);
            }
        }
        return new SocketDrops(PROC_NET_UDP, inodes);
    }

    static SocketDrops from(List<Path> tables, Set<Long> inodes) {
        return new SocketDrops(tables, inodes);
    }

    /** Drops since {@link #from}, over all of the sockets; 0 if the tables cannot be read. */
    public long count() {
        return Math.max(0, sum(tables, inodes) - baseline);
    }

    /** The inode of the socket an {@code /proc/<pid>/fd/<n>} link names, or -1 if it is not a socket. */
    static long inode(Path fdLink) {
        try {
            Matcher m = SOCKET_LINK.matcher(Files.readSymbolicLink(fdLink).toString());
            return m.matches() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    private static long sum(List<Path> tables, Set<Long> inodes) {
        long sum = 0;
        for (Path table : tables) {
            try {
                for (Map.Entry<Long, Long> socket : parse(Files.readString(table)).entrySet()) {
                    if (inodes.contains(socket.getKey())) {
                        sum += socket.getValue();
                    }
                }
            } catch (IOException e) {
                // no IPv6 in this kernel, or /proc not mounted: nothing to add
            }
        }
        return sum;
    }

    /** Drops by socket inode in {@code /proc/net/udp}-format text (a header line, then one line per socket). */
    static Map<Long, Long> parse(String procNetUdp) {
        Map<Long, Long> drops = new HashMap<>();
        String[] lines = procNetUdp.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] columns = lines[i].trim().split("\\s+");
            if (columns.length <= DROPS_COLUMN) {
                continue;
            }
            try {
                drops.merge(Long.parseLong(columns[INODE_COLUMN]), Long.parseLong(columns[DROPS_COLUMN]), Long::sum);
            } catch (NumberFormatException e) {
                // not a socket line
            }
        }
        return drops;
    }
}
