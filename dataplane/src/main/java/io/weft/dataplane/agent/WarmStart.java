package io.weft.dataplane.agent;

import io.weft.dataplane.DataPlane;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.DataPlaneException;
import io.weft.dataplane.InheritedFds;
import io.weft.dataplane.host.IpCommand;
import io.weft.dataplane.host.TunLinkSetup;
import io.weft.dataplane.os.LibC;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.TableScope;
import io.weft.fdb.registry.ForwardingLeaseEvents;
import io.weft.fdb.registry.LeaseEvents;
import io.weft.fdb.registry.LeaseTableFeeder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Owns the data plane across the agent's start-up, so that a restart forwards again as early as it can:
 * <ol>
 *   <li>{@link #startFromCache}: before etcd (or the API server) is asked anything, the data plane the last run left
 *   in the run dir's {@link RunState} comes up on the persistent TUN (and on the descriptors the service manager's fd
 *   store handed back, if any) with the last run's table;</li>
 *   <li>{@link #dataPlaneFor}: once the lease is known, that data plane is kept if the config is the same, and
 *   otherwise replaced (one log line says what changed); the first table from the registry then replaces the cached
 *   one whole, which drops removed peers and adds new ones;</li>
 *   <li>{@link #caching}: every table after that is written back to the run dir.</li>
 * </ol>
 * Closing it closes the data plane's fds and nothing else: the TUN device, its address and route stay.
 */
final class WarmStart implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WarmStart.class);

    private final Path runDir;
    private final RunState previous;
    private final SystemdFdStore fdStore;
    private InheritedFds fds;
    /** {@link #fds} came from the service manager's store (which keeps copies), not from {@link EarlyFds}. */
    private boolean fdsFromStore;
    private DataPlaneConfig attachWritten;
    private DataPlane dataPlane;
    private RunState current;

    private WarmStart(Path runDir, RunState previous, InheritedFds fds, boolean fdsFromStore, SystemdFdStore fdStore) {
        this.runDir = runDir;
        this.previous = previous;
        this.fds = fds;
        this.fdsFromStore = fdsFromStore;
        this.fdStore = fdStore;
    }

    /**
     * What the run dir and the service manager kept from the last run (either may be nothing); {@code early}: what
     * {@link EarlyFds} attached first thing (used when the service manager handed nothing back).
     */
    static WarmStart load(Path runDir, SystemdNotify systemd, InheritedFds early) {
        InheritedFds fds = SystemdFdStore.inherited(System.getenv(), ProcessHandle.current().pid());
        if (!fds.isEmpty()) {
            log.info("the service manager handed back {} TUN queue(s) and {} VXLAN socket(s){}", fds.tunQueues().size(),
                    fds.udpSockets().size(), fds.udp6Sockets().isEmpty() ? ""
                            : " and " + fds.udp6Sockets().size() + " IPv6 VXLAN socket(s)");
            closeAll(fds.unused());
            closeAll(early.all());
            return new WarmStart(runDir, RunState.read(runDir), fds.withoutUnused(), true, new SystemdFdStore(systemd));
        }
        return new WarmStart(runDir, RunState.read(runDir), early, false, new SystemdFdStore(systemd));
    }

    /** The last run's state, or null. */
    RunState previous() {
        return previous;
    }

    /** True if a data plane runs on {@code port} (its sockets hold the port). */
    synchronized boolean forwardingOn(int port) {
        return dataPlane != null && dataPlane.config().port() == port;
    }

    /**
     * Brings up the last run's data plane with its table, if the run dir has one; a failure (the port taken, no TUN) is
     * logged and left to the normal start-up to report.
     */
    synchronized void startFromCache(PublishedTable table) {
        if (previous == null) {
            return;
        }
        DataPlaneConfig c = previous.dataPlane();
        // The table first: the workers drain what waited in the TUN queues and socket buffers as soon as they run.
        table.publish(ForwardingTable.of(new TableScope(c.network(), c.ipv6() == null ? null : c.ipv6().network(),
                c.localSubnet(), c.ipv6() == null ? null : c.ipv6().localSubnet()), previous.leases(), c.port()));
        long opening = ProcessAge.millis();
        try {
            dataPlane = start(c, table);
        } catch (RuntimeException e) {
            table.publish(ForwardingTable.EMPTY);
            log.info("not forwarding from the last run's state before the registry answers: {}", message(e));
            return;
        }
        log.info("forwarding on {} with the last run's table ({} peer(s), subnet {}) until the registry answers, {} ms"
                + " after the process started (opening the TUN and the sockets from {} ms)", c.device(),
                previous.leases().size(), c.hasIpv4() ? c.localSubnet() : c.ipv6().localSubnet(), ProcessAge.millis(),
                opening);
    }

    /** The data plane for {@code config}: the one started from the cache if it has this config, else a new one. */
    synchronized DataPlane dataPlaneFor(DataPlaneConfig config, PublishedTable table) {
        DataPlaneConfig before = dataPlane != null ? dataPlane.config() : previous != null ? previous.dataPlane() : null;
        if (dataPlane != null && dataPlane.config().equals(config)) {
            writeState(new RunState(config, previous.setup(), previous.leases()));
            return dataPlane;
        }
        if (before != null && !before.equals(config)) {
            log.info("the last run had {}; reprogramming for {}", differences(before, config, true),
                    differences(before, config, false));
        }
        if (dataPlane != null) {
            fds = handover(dataPlane, config);
            fdsFromStore = true; // (the store, if any, holds the old data plane's queues: treated as its copies)
            dataPlane.close();
            dataPlane = null;
        }
        if (before != null) {
            removeIncompatibleDevice(before, config);
        }
        dataPlane = start(config, table);
        writeState(new RunState(config, previous != null ? previous.setup() : null, List.of()));
        return dataPlane;
    }

    /** Records the host setup now installed. */
    synchronized void setupInstalled(RunState.HostSetup setup) {
        if (current != null) {
            writeState(current.withSetup(setup));
        }
    }

    /** {@code feeder}, and after each batch the leases it holds written to the run dir (when they changed). */
    LeaseEvents caching(LeaseTableFeeder feeder) {
        return new ForwardingLeaseEvents(feeder) {
            private List<Lease> written;

            @Override
            public void batchDone() {
                feeder.batchDone();
                List<Lease> now = feeder.leases();
                if (!now.equals(written)) {
                    synchronized (WarmStart.this) {
                        if (current != null) {
                            writeState(current.withLeases(now));
                        }
                    }
                    written = now;
                }
            }
        };
    }

    private DataPlane start(DataPlaneConfig c, PublishedTable table) {
        InheritedFds use = fitting(fds, c.workers());
        fds = InheritedFds.NONE; // handed to at most one data plane
        DataPlane dp;
        try {
            dp = DataPlane.start(c, table, use);
        } catch (DataPlaneException e) {
            if (use.isEmpty()) {
                throw e;
            }
            log.warn("cannot take over the descriptors {} ({}); opening anew", fdsFromStore
                    ? "the service manager handed back" : "attached at start-up", message(e));
            closeAll(use.all());
            if (fdsFromStore) {
                // the store's copies of the sockets would keep the port (and a share of its datagrams) otherwise
                fdStore.forget(use);
                // the store may still hold a queue of the device: only a new device is sure to be free
                if (Files.exists(Path.of("/sys/class/net", c.device(), "tun_flags"))
                        && IpCommand.tryRun("link", "delete", c.device())) {
                    log.info("deleted the TUN device {} to open it anew", c.device());
                }
            }
            use = InheritedFds.NONE;
            dp = DataPlane.start(c, table);
        }
        Set<Integer> kept = new HashSet<>(dp.tunQueueFds());
        kept.addAll(dp.socketFds());
        kept.addAll(dp.socket6Fds());
        closeAll(use.all().stream().filter(fd -> !kept.contains(fd)).toList());
        try {
            dp.keepDeviceAfterExit();
            TunLinkSetup.of(c).apply();
        } catch (RuntimeException e) {
            dp.close();
            throw e;
        }
        fdStore.store(dp);
        return dp;
    }

    /**
     * Copies of the running data plane's TUN queues and sockets that the next one can take over (the same device,
     * worker count and offloads; the same port): a single-queue TUN cannot be attached again while the fd store still
     * holds its queue, and what waits in the queues is kept.
     */
    private static InheritedFds handover(DataPlane dp, DataPlaneConfig next) {
        DataPlaneConfig now = dp.config();
        boolean sameTun = now.device().equals(next.device()) && now.workers() == next.workers()
                && now.offloads() == next.offloads();
        boolean sameSockets = now.port() == next.port() && now.workers() == next.workers()
                && java.util.Objects.equals(now.bindAddress(), next.bindAddress())
                && java.util.Objects.equals(now.ipv6() == null ? null : now.ipv6().bindAddress(),
                        next.ipv6() == null ? null : next.ipv6().bindAddress())
                && now.hasIpv6() == next.hasIpv6();
        return new InheritedFds(sameTun ? dup(dp.tunQueueFds()) : List.of(), sameSockets ? dup(dp.socketFds()) : List.of(),
                sameSockets ? dup(dp.socket6Fds()) : List.of(), List.of());
    }

    /**
     * {@code given} without each kind that does not come one per worker (another worker count than the last run's):
     * those are closed, and dropped from the store, because they would hold the port or the single queue of the device
     * that the data plane then binds or opens itself.
     */
    private InheritedFds fitting(InheritedFds given, int workers) {
        List<Integer> tun = given.tunQueues().size() == workers ? given.tunQueues() : List.of();
        List<Integer> udp = given.udpSockets().size() == workers ? given.udpSockets() : List.of();
        List<Integer> udp6 = given.udp6Sockets().size() == workers ? given.udp6Sockets() : List.of();
        InheritedFds unfit = new InheritedFds(tun.isEmpty() ? given.tunQueues() : List.of(),
                udp.isEmpty() ? given.udpSockets() : List.of(), udp6.isEmpty() ? given.udp6Sockets() : List.of(), List.of());
        if (!unfit.isEmpty()) {
            if (fdsFromStore) {
                fdStore.forget(unfit);
            }
            closeAll(unfit.all());
        }
        return new InheritedFds(tun, udp, udp6, given.unused());
    }

    private static List<Integer> dup(List<Integer> fds) {
        List<Integer> out = new ArrayList<>();
        for (int fd : fds) {
            int copy = LibC.dup(fd);
            if (copy < 0) {
                closeAll(out);
                return List.of();
            }
            out.add(copy);
        }
        return out;
    }

    /**
     * A persistent TUN of the last run that the new config cannot attach to: another name (the old one would linger),
     * or single-queue where multi-queue is wanted or the other way round (TUNSETIFF refuses that).
     */
    private static void removeIncompatibleDevice(DataPlaneConfig before, DataPlaneConfig now) {
        boolean renamed = !before.device().equals(now.device());
        boolean queuesDiffer = (before.workers() > 1) != (now.workers() > 1);
        if ((renamed || queuesDiffer) && Files.exists(Path.of("/sys/class/net", before.device(), "tun_flags"))
                && IpCommand.tryRun("link", "delete", before.device())) {
            log.info("deleted the last run's TUN device {} ({})", before.device(),
                    renamed ? "the device is now " + now.device() : "the worker count changed between 1 and several");
        }
    }

    private void writeState(RunState s) {
        current = s;
        if (s.setup() == null) {
            return; // written once the host setup is known
        }
        try {
            s.write(runDir);
            if (!s.dataPlane().equals(attachWritten)) {
                EarlyFds.write(runDir, s.dataPlane());
                attachWritten = s.dataPlane();
            }
        } catch (IOException e) {
            log.warn("cannot write {}: {} (a restart then waits for the registry before it forwards)",
                    RunState.path(runDir), e.getMessage());
        }
    }

    /** What differs between two configs: the old values ({@code old}) or the new ones. */
    static String differences(DataPlaneConfig a, DataPlaneConfig b, boolean old) {
        List<String> out = new ArrayList<>();
        DataPlaneConfig x = old ? a : b;
        if (!a.device().equals(b.device())) {
            out.add("device " + x.device());
        }
        if (!java.util.Objects.equals(a.localSubnet(), b.localSubnet())) {
            out.add("subnet " + x.localSubnet());
        }
        if (!java.util.Objects.equals(a.network(), b.network())) {
            out.add("network " + x.network());
        }
        if (!java.util.Objects.equals(a.ipv6(), b.ipv6())) {
            out.add(x.ipv6() == null ? "no IPv6" : "IPv6 subnet " + x.ipv6().localSubnet() + " in " + x.ipv6().network()
                    + " (VtepMAC " + x.ipv6().vtepMac() + ", MTU " + x.ipv6().mtu() + ")");
        }
        if (a.mtu() != b.mtu()) {
            out.add("MTU " + x.mtu());
        }
        if (a.vni() != b.vni()) {
            out.add("VNI " + x.vni());
        }
        if (a.port() != b.port()) {
            out.add("port " + x.port());
        }
        if (!a.vtepMac().equals(b.vtepMac())) {
            out.add("VtepMAC " + x.vtepMac());
        }
        if (a.workers() != b.workers()) {
            out.add(x.workers() + " worker(s)");
        }
        if (!java.util.Objects.equals(a.bindAddress(), b.bindAddress())) {
            out.add("sending from " + (x.bindAddress() == null ? "any address" : x.bindAddress().getHostAddress()));
        }
        if (a.offloads() != b.offloads()) {
            out.add("offloads " + (x.offloads() ? "on" : "off"));
        }
        if (a.acceptUnknownVteps() != b.acceptUnknownVteps() || a.acceptAnyInnerSource() != b.acceptAnyInnerSource()) {
            out.add("accept-unknown-vteps " + x.acceptUnknownVteps() + ", accept-any-inner-source " + x.acceptAnyInnerSource());
        }
        return String.join(", ", out);
    }

    private static void closeAll(List<Integer> fds) {
        for (int fd : fds) {
            LibC.close(fd);
        }
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** Closes the data plane's fds; the device and its routes stay. */
    @Override
    public synchronized void close() {
        if (dataPlane != null) {
            dataPlane.close();
            dataPlane = null;
        }
        closeAll(fds.all());
        fds = InheritedFds.NONE;
    }
}
