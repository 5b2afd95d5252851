package io.weft.dataplane.agent;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.weft.dataplane.InheritedFds;
import io.weft.dataplane.os.LibC;
import io.weft.fdb.PublishedTable;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The last run's data plane, forwarding with the last run's table before the command line is even parsed: {@code weft
 * run} calls {@link #begin} first thing in {@code main}, because building and parsing the command tree costs more
 * start-up time than anything else, and a restart's outage lasts until the data plane forwards again. The agent then
 * {@linkplain #take takes} it over (and checks it against the config, as it checks a warm start of its own). Without
 * CAP_NET_ADMIN, or without a last run in the run dir, nothing happens here and the agent starts as usual.
 */
public final class EarlyStart {
    private static EarlyStart pending;

    final Path runDir;
    final WarmStart warm;
    final PublishedTable table;

    private EarlyStart(Path runDir, WarmStart warm, PublishedTable table) {
        this.runDir = runDir;
        this.warm = warm;
        this.table = table;
    }

    /** Starts forwarding from what {@code runDir} holds of the last run (a no-op without CAP_NET_ADMIN or a last run). */
    public static synchronized void begin(Path runDir) {
        // (RunState.FILE, a constant: RunState itself would load Jackson before the attach)
        if (pending != null || !Privileges.hasNetAdmin() || !Files.isRegularFile(runDir.resolve(RunState.FILE))) {
            return;
        }
        // First the last run's TUN queues and sockets: from here on packets wait for this agent instead of being lost.
        InheritedFds attached = EarlyFds.open(runDir);
        long attachedAt = ProcessAge.millis();
        Agent.announce(); // (on this thread, before the next one logs: slf4j is initialised once, here)
        if (!attached.isEmpty()) {
            LoggerFactory.getLogger(EarlyStart.class).info("attached {} TUN queue(s) and bound {} VXLAN socket(s) of the"
                    + " last run {} ms after the process started; packets wait in them until the data plane reads",
                    attached.tunQueues().size(), attached.udpSockets().size() + attached.udp6Sockets().size(), attachedAt);
        }
        // Netty's native transport, the pooled allocator and JNA load (native libraries unpacked and linked) while
        // this thread reads the state: on a host with a spare core the data plane then starts that much sooner.
        Thread preload = new Thread(EarlyStart::preloadTransport, "weft-preload");
        preload.setDaemon(true);
        preload.start();
        WarmStart warm = WarmStart.load(runDir, SystemdNotify.fromEnvironment(), attached);
        PublishedTable table = new PublishedTable();
        warm.startFromCache(table);
        pending = new EarlyStart(runDir, warm, table);
    }

    private static void preloadTransport() {
        try {
            if (Epoll.isAvailable()) {
                PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
            }
            // JNA's native dispatch library and the libc bindings the TUN is opened with
            int fd = LibC.open("/dev/null", LibC.O_CLOEXEC);
            if (fd >= 0) {
                LibC.close(fd);
            }
        } catch (Throwable e) {
            // only a head start: what cannot load fails again where the data plane needs it, with a readable message
        }
    }

    /**
     * The early start for {@code runDir}, once, or null. One for another run dir (an option read differently from
     * the command line than {@link #begin}'s caller read it) is closed: the agent then starts on its own.
     */
    static synchronized EarlyStart take(Path runDir) {
        EarlyStart e = pending;
        pending = null;
        if (e != null && !e.runDir.equals(runDir)) {
            e.warm.close();
            return null;
        }
        return e;
    }
}
