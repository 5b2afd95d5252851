package io.weft.dataplane.agent;

import com.sun.jna.Memory;
import io.weft.dataplane.DataPlane;
import io.weft.dataplane.InheritedFds;
import io.weft.dataplane.os.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The service manager's file-descriptor store (sd_pid_notify_with_fds(3), without libsystemd): the data plane's TUN
 * queues and VXLAN sockets are handed to systemd with {@code FDSTORE=1} and a name each, and come back to the next
 * agent as {@code LISTEN_FDS}. While systemd holds them across a restart the TUN queues stay attached (packets from
 * the pods wait in them) and the sockets stay bound (peers' datagrams wait in their buffers), so a restart loses only
 * what overflows those queues. The unit must allow it with {@code FileDescriptorStoreMax=}.
 */
final class SystemdFdStore {
    private static final Logger log = LoggerFactory.getLogger(SystemdFdStore.class);
    static final String TUN_PREFIX = "weft-tun-";
    static final String UDP_PREFIX = "weft-udp-";
    /** The IPv6 underlay's sockets of a dual-stack or IPv6-only run. */
    static final String UDP6_PREFIX = "weft-udp6-";
    /** sd_listen_fds(3): the first passed descriptor. */
    static final int LISTEN_FDS_START = 3;
    /** x86_64 sizes: struct msghdr, struct iovec, and the cmsghdr header (cmsg_len is a size_t). */
    static final int MSGHDR_SIZE = 56;
    static final int IOVEC_SIZE = 16;
    static final int CMSG_HEADER = 16;

    private final SystemdNotify notify;
    private final List<String> stored = new ArrayList<>();

    SystemdFdStore(SystemdNotify notify) {
        this.notify = notify;
    }

    boolean enabled() {
        return notify.enabled();
    }

    /** Hands every TUN queue and socket of {@code dp} to the store, replacing what an earlier data plane put there. */
    synchronized void store(DataPlane dp) {
        if (!notify.enabled()) {
            return;
        }
        for (String name : stored) {
            notify.send("FDSTOREREMOVE=1\nFDNAME=" + name);
        }
        stored.clear();
        int ok = 0;
        List<Integer> tun = dp.tunQueueFds();
        List<Integer> udp = dp.socketFds();
        List<Integer> udp6 = dp.socket6Fds();
        ok += sendAll(TUN_PREFIX, tun);
        ok += sendAll(UDP_PREFIX, udp);
        ok += sendAll(UDP6_PREFIX, udp6);
        log.info("handed {} of {} descriptor(s) (TUN queues and VXLAN sockets) to the service manager's fd store", ok,
                tun.size() + udp.size() + udp6.size());
    }

    /** Asks the store to drop (and close) its copies of descriptors it handed back that are not used after all. */
    synchronized void forget(InheritedFds fds) {
        for (int i = 0; i < fds.tunQueues().size(); i++) {
            notify.send("FDSTOREREMOVE=1\nFDNAME=" + TUN_PREFIX + i);
        }
        for (int i = 0; i < fds.udpSockets().size(); i++) {
            notify.send("FDSTOREREMOVE=1\nFDNAME=" + UDP_PREFIX + i);
        }
        for (int i = 0; i < fds.udp6Sockets().size(); i++) {
            notify.send("FDSTOREREMOVE=1\nFDNAME=" + UDP6_PREFIX + i);
        }
    }

    /** Stores {@code fds} as {@code prefix}0, {@code prefix}1, ...; returns how many the store took. */
    private int sendAll(String prefix, List<Integer> fds) {
        int ok = 0;
        for (int i = 0; i < fds.size(); i++) {
            ok += send(prefix + i, fds.get(i)) ? 1 : 0;
        }
        return ok;
    }

    private boolean send(String name, int fd) {
        if (notify.sendWithFd("FDSTORE=1\nFDNAME=" + name, fd)) {
            stored.add(name);
            return true;
        }
        return false;
    }

    /**
     * The descriptors the service manager passed to this process ({@code LISTEN_FDS} from fd 3, named by
     * {@code LISTEN_FDNAMES}, meant for us if {@code LISTEN_PID} is our pid): our TUN queues and IPv4 and IPv6 sockets
     * in worker order. Descriptors with other names are for the caller to close.
     */
    static InheritedFds inherited(Map<String, String> env, long ownPid) {
        String pid = env.get("LISTEN_PID");
        String count = env.get("LISTEN_FDS");
        if (pid == null || count == null || !pid.trim().equals(Long.toString(ownPid))) {
            return InheritedFds.NONE;
        }
        int n;
        try {
            n = Integer.parseInt(count.trim());
        } catch (NumberFormatException e) {
            return InheritedFds.NONE;
        }
        String[] names = env.getOrDefault("LISTEN_FDNAMES", "").split(":", -1);
        Map<Integer, Integer> tun = new TreeMap<>();
        Map<Integer, Integer> udp = new TreeMap<>();
        Map<Integer, Integer> udp6 = new TreeMap<>();
        List<Integer> other = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int fd = LISTEN_FDS_START + i;
            String name = i < names.length ? names[i] : "";
            if (!(put(tun, name, TUN_PREFIX, fd) || put(udp, name, UDP_PREFIX, fd) || put(udp6, name, UDP6_PREFIX, fd))) {
                other.add(fd);
            }
        }
        return new InheritedFds(inOrder(tun, other), inOrder(udp, other), inOrder(udp6, other), other);
    }

    /** Files {@code fd} under its index if {@code name} is {@code prefix}N and N is not taken yet. */
    private static boolean put(Map<Integer, Integer> byIndex, String name, String prefix, int fd) {
        Integer index = indexOf(name, prefix);
        return index != null && byIndex.putIfAbsent(index, fd) == null;
    }

    /** The values if the keys are 0..n-1, else none (their fds go to {@code unused}). */
    private static List<Integer> inOrder(Map<Integer, Integer> byIndex, List<Integer> unused) {
        int expect = 0;
        for (int k : byIndex.keySet()) {
            if (k != expect++) {
                unused.addAll(byIndex.values());
                return List.of();
            }
        }
        return new ArrayList<>(byIndex.values());
    }

    private static Integer indexOf(String name, String prefix) {
        if (!name.startsWith(prefix)) {
            return null;
        }
        try {
            return Integer.parseInt(name.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * A {@code struct msghdr} for sendmsg(2) carrying {@code message} to the socket address {@code addr} and
     * {@code fd} as SCM_RIGHTS, in {@code mem} (which must stay alive for the call). Returns its address.
     */
    static long msghdr(Memory mem, byte[] addr, int addrLen, byte[] message, int fd) {
        long base = com.sun.jna.Pointer.nativeValue(mem);
        long iov = base + MSGHDR_SIZE;
        long name = iov + IOVEC_SIZE;
        long data = name + addr.length;
        long control = (data + message.length + 7) & ~7L;
        mem.write(name - base, addr, 0, addr.length);
        mem.write(data - base, message, 0, message.length);
        int controlLen = CMSG_HEADER + 8; // CMSG_SPACE(sizeof(int))
        mem.setLong(control - base, CMSG_HEADER + 4); // CMSG_LEN(sizeof(int))
        mem.setInt(control - base + 8, LibC.SOL_SOCKET);
        mem.setInt(control - base + 12, LibC.SCM_RIGHTS);
        mem.setInt(control - base + CMSG_HEADER, fd);
        mem.setLong(iov - base, data);
        mem.setLong(iov - base + 8, message.length);
        mem.setLong(0, name);
        mem.setInt(8, addrLen);
        mem.setLong(16, iov);
        mem.setLong(24, 1);
        mem.setLong(32, control);
        mem.setLong(40, controlLen);
        mem.setInt(48, 0);
        return base;
    }

    /** Room for {@link #msghdr} with this address and message. */
    static long msghdrSize(byte[] addr, byte[] message) {
        return MSGHDR_SIZE + IOVEC_SIZE + addr.length + message.length + 8 + CMSG_HEADER + 8;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
