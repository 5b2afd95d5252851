package io.weft.dataplane.tun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Packets the kernel dropped on their way into weft's TUN device since this data plane started: the device's transmit
 * drops ({@code TX dropped} in {@code ip -s link}, the transmit {@code drop} column of {@code /proc/net/dev}).
 *
 * <p>Why weft counts what it never saw: the tun driver queues each packet routed to the device in a ring of
 * {@code txqueuelen} entries per queue, and when weft has not read the ring empty in time it drops the packet there.
 * It orphans every packet and never stops its queue (Linux 6.18), so no qdisc holds a packet back and the sender's
 * socket never waits: a UDP flood from a pod faster than weft reads loses its excess here, silently unless this is
 * read. (A pending kernel change, "tun/tap &amp; vhost-net: avoid ptr_ring tail-drop when a qdisc is present", makes
 * the driver stop its queue instead; weft leaves the device's default qdisc in place, so it would push back then.)
 * The device's figure also takes packets routed to it while no process holds a queue (weft restarting); those come
 * before this data plane's start, so its baseline leaves them out.
 *
 * <p>Read from {@code /proc/self/net/dev}, which is the calling process's network namespace whatever {@code /sys} shows.
 */
public final class TunQueueDrops {
    /** The device table of the namespace this process runs in. */
    public static final Path PROC_NET_DEV = Path.of("/proc/self/net/dev");

    /** The transmit {@code drop} column, counted from 0 after the device name: 8 receive columns, then bytes, packets, errs. */
    private static final int TX_DROP_COLUMN = 11;

    private final Path table;
    private final String device;
    private final long baseline;

    private TunQueueDrops(Path table, String device, long baseline) {
        this.table = table;
        this.device = device;
        this.baseline = baseline;
    }

    /** Counts {@code device}'s drops from now on (its count so far is the baseline). */
    public static TunQueueDrops from(String device) {
        return from(PROC_NET_DEV, device);
    }

    static TunQueueDrops from(Path table, String device) {
        return new TunQueueDrops(table, device, read(table, device).orElse(0));
    }

    /** Drops since {@link #from}; 0 if the table cannot be read or no longer lists the device. */
    public long count() {
        OptionalLong now = read(table, device);
        return now.isPresent() ? Math.max(0, now.getAsLong() - baseline) : 0;
    }

    static OptionalLong read(Path table, String device) {
        try {
            return parse(Files.readString(table), device);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * {@code device}'s transmit drops in {@code /proc/net/dev}-format text ({@code "  name: rx... tx..."}; the kernel
     * leaves no space after the colon when the first figure is wide), or empty if the device is not listed.
     */
    static OptionalLong parse(String procNetDev, String device) {
        for (String line : procNetDev.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).trim().equals(device)) {
                continue;
            }
            String[] columns = line.substring(colon + 1).trim().split("\\s+");
            if (columns.length <= TX_DROP_COLUMN) {
                return OptionalLong.empty();
            }
            try {
                return OptionalLong.of(Long.parseLong(columns[TX_DROP_COLUMN]));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }
}
