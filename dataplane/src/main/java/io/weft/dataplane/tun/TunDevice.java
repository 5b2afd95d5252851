package io.weft.dataplane.tun;

import io.netty.channel.unix.FileDescriptor;
import io.weft.dataplane.DataPlaneException;
import io.weft.dataplane.os.Errno;
import io.weft.dataplane.os.LibC;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A layer-3 TUN device ({@code IFF_TUN|IFF_NO_PI}, with {@code IFF_VNET_HDR} when offloads are on) opened with
 * one non-blocking fd per queue. With more than
 * one queue the device is {@code IFF_MULTI_QUEUE} and the kernel spreads flows over the queues by their hash.
 *
 * <p>Packets are read and written as bare IP packets through Netty's {@link FileDescriptor} ({@code read(2)} /
 * {@code write(2)} on direct memory, no allocation). Closing the last fd removes the (non-persistent) device.
 */
public final class TunDevice implements AutoCloseable {
    public static final String CLONE_DEVICE = "/dev/net/tun";
    /** linux/if_tun.h: _IOW('T', 202, int). */
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TUN = 0x0001;
    static final short IFF_MULTI_QUEUE = 0x0100;
    static final short IFF_NO_PI = 0x1000;
    /** Every read and write carries a 10-byte virtio_net_hdr (offloads). */
    static final short IFF_VNET_HDR = 0x4000;
    /** linux/if_tun.h: _IOW('T', 208, unsigned int); the flag word is passed by value. */
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    static final int TUN_F_USO4 = 0x20;
    static final int TUN_F_USO6 = 0x40;
    /** linux/if_tun.h: _IOW('T', 203, int); 1 keeps the device when its last fd closes, 0 lets it go. */
    static final long TUNSETPERSIST = 0x400454cbL;
    /** linux/if_tun.h: _IOR('T', 210, unsigned int); fills an ifreq with the name and flags of the fd's device. */
    static final long TUNGETIFF = 0x800454d2L;
    /** IFNAMSIZ: 15 characters and the terminating NUL. */
    public static final int MAX_NAME_LENGTH = 15;
    private static final int IFREQ_SIZE = 40;
    private static final int IFREQ_FLAGS_OFFSET = 16;

    private final String name;
    private final List<FileDescriptor> queues;
    private final TunOffloads offloads;

    private TunDevice(String name, List<FileDescriptor> queues, TunOffloads offloads) {
        this.name = name;
        this.queues = Collections.unmodifiableList(queues);
        this.offloads = offloads;
    }

    /**
     * Takes over TUN queue fds opened by an earlier weft (handed back by the service manager's fd store): each must be a
     * queue of the layer-3 TUN device {@code name}, with IFF_VNET_HDR if {@code offloads}. The offloads are asked for
     * again on each fd, which tells what the kernel grants.
     *
     * @throws DataPlaneException if an fd is not such a queue (the caller then opens the device afresh)
     */
    public static TunDevice adopt(String name, List<Integer> fds, boolean offloads) {
        TunOffloads granted = TunOffloads.NONE;
        for (int fd : fds) {
            byte[] ifr = new byte[IFREQ_SIZE];
            if (LibC.ioctl(fd, TUNGETIFF, ifr) < 0) {
                throw new DataPlaneException("fd " + fd + " is not a TUN queue (TUNGETIFF errno " + LibC.errno() + ")");
            }
            String device = new String(ifr, 0, nameLength(ifr), StandardCharsets.US_ASCII);
            int flags = (ifr[IFREQ_FLAGS_OFFSET] & 0xff) | (ifr[IFREQ_FLAGS_OFFSET + 1] & 0xff) << 8;
            boolean vnet = (flags & IFF_VNET_HDR) != 0;
            if (!device.equals(name) || (flags & IFF_TUN) == 0 || (flags & IFF_NO_PI) == 0 || vnet != offloads
                    || ((flags & IFF_MULTI_QUEUE) != 0) != (fds.size() > 1)) {
                throw new DataPlaneException("fd " + fd + " is a queue of " + device + " with flags 0x"
                        + Integer.toHexString(flags) + ", not of the " + fds.size() + "-queue TUN " + name + " wanted");
            }
            if (vnet) {
                granted = setOffload(fd);
            }
        }
        List<FileDescriptor> queues = new ArrayList<>(fds.size());
        for (int fd : fds) {
            queues.add(new FileDescriptor(fd));
        }
        return new TunDevice(name, queues, granted);
    }

    private static int nameLength(byte[] ifr) {
        int n = 0;
        while (n < MAX_NAME_LENGTH + 1 && ifr[n] != 0) {
            n++;
        }
        return n;
    }

    /**
     * Creates (or attaches to) the TUN device {@code name} with {@code queueCount} queues.
     *
     * @param offloads ask for IFF_VNET_HDR and TUNSETOFFLOAD CSUM|TSO4|TSO6 (+USO4|USO6 where the kernel has them);
     *                 what the kernel granted is in {@link #offloads()}. If it refuses IFF_VNET_HDR the device is
     *                 opened without it.
     * @throws DataPlaneException with a one-line explanation when it cannot
     */
    public static TunDevice open(String name, int queueCount, boolean offloads) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH || name.contains("/") || name.contains(" ")) {
            throw new DataPlaneException("invalid TUN device name \"" + name + "\": use 1-" + MAX_NAME_LENGTH
                    + " characters without '/' or spaces");
        }
        if (queueCount < 1) {
            throw new IllegalArgumentException("queueCount must be at least 1, got " + queueCount);
        }
        if (!Files.exists(Path.of(CLONE_DEVICE))) {
            throw new DataPlaneException(CLONE_DEVICE + " does not exist: load the tun module ('modprobe tun'), or in a"
                    + " container pass the device through (--device /dev/net/tun)");
        }
        if (LinkKind.exists(name) && !LinkKind.isTun(name)) {
            throw new DataPlaneException(LinkKind.occupiedMessage(name, LinkKind.of(name)));
        }
        short flags = (short) (IFF_TUN | IFF_NO_PI | (queueCount > 1 ? IFF_MULTI_QUEUE : 0));
        if (offloads) {
            try {
                return openQueues(name, queueCount, (short) (flags | IFF_VNET_HDR));
            } catch (DataPlaneException e) {
                // A kernel or a leftover device without IFF_VNET_HDR: fall through to the per-packet device.
                if (!LinkKind.exists(name) || LinkKind.isTun(name)) {
                    return openQueues(name, queueCount, flags);
                }
                throw e;
            }
        }
        return openQueues(name, queueCount, flags);
    }

    private static TunDevice openQueues(String name, int queueCount, short flags) {
        List<FileDescriptor> fds = new ArrayList<>(queueCount);
        TunOffloads granted = TunOffloads.NONE;
        try {
            for (int i = 0; i < queueCount; i++) {
                int fd = openQueue(name, flags);
                fds.add(new FileDescriptor(fd));
                if ((flags & IFF_VNET_HDR) != 0) {
                    granted = setOffload(fd);
                }
            }
        } catch (RuntimeException e) {
            closeAll(fds);
            throw e;
        }
        return new TunDevice(name, fds, granted);
    }

    /** TUNSETOFFLOAD: TSO first (required for any GSO), then with USO added (kernel 6.2+; failure is fine). */
    private static TunOffloads setOffload(int fd) {
        int tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
        if (!tryOffload(fd, tso)) {
            return tryOffload(fd, TUN_F_CSUM) ? new TunOffloads(true, true, false, false) : new TunOffloads(true, false, false, false);
        }
        if (tryOffload(fd, tso | TUN_F_USO4 | TUN_F_USO6)) {
            return new TunOffloads(true, true, true, true);
        }
        tryOffload(fd, tso);
        return new TunOffloads(true, true, true, false);
    }

    private static boolean tryOffload(int fd, int offloadFlags) {
        return LibC.ioctl(fd, TUNSETOFFLOAD, offloadFlags) >= 0;
    }

    /**
     * Attaches one more queue to the existing TUN device {@code name} with the flags {@link #open} gives a device of
     * {@code queueCount} queues (IFF_VNET_HDR if {@code vnetHdr}), and returns its fd, or -1 if the kernel refuses
     * (no such device, other flags, a single queue already attached). A restart attaches the last run's queues with
     * this first thing, so that the pods' packets wait in them rather than being dropped; {@link #adopt} then takes
     * them over.
     */
    public static int attachQueue(String name, int queueCount, boolean vnetHdr) {
        try {
            return openQueue(name, (short) (IFF_TUN | IFF_NO_PI | (queueCount > 1 ? IFF_MULTI_QUEUE : 0)
                    | (vnetHdr ? IFF_VNET_HDR : 0)));
        } catch (DataPlaneException e) {
            return -1;
        }
    }

    private static int openQueue(String name, short flags) {
        int fd = LibC.open(CLONE_DEVICE, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw openError(LibC.errno(), name);
        }
        byte[] ifr = new byte[IFREQ_SIZE];
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(nameBytes, 0, ifr, 0, nameBytes.length);
        ifr[IFREQ_FLAGS_OFFSET] = (byte) flags; // a short in the machine's (little-endian) order
        ifr[IFREQ_FLAGS_OFFSET + 1] = (byte) (flags >>> 8);
        if (LibC.ioctl(fd, TUNSETIFF, ifr) < 0) {
            int errno = LibC.errno();
            LibC.close(fd); // nothing useful to do about a failed close of a half-opened fd
            throw setIffError(errno, name, flags);
        }
        return fd;
    }

    private static DataPlaneException openError(int errno, String name) {
        switch (errno) {
            case Errno.ENOENT:
            case Errno.ENODEV:
                return new DataPlaneException("cannot open " + CLONE_DEVICE + " for " + name + ": the tun driver is missing;"
                        + " run 'modprobe tun'");
            case Errno.EPERM:
            case Errno.EACCES:
                return new DataPlaneException("cannot open " + CLONE_DEVICE + " for " + name + ": permission denied; run weft"
                        + " as root or grant it CAP_NET_ADMIN");
            default:
                return new DataPlaneException("cannot open " + CLONE_DEVICE + " for " + name + ": errno " + errno);
        }
    }

    private static DataPlaneException setIffError(int errno, String name, short flags) {
        switch (errno) {
            case Errno.EPERM:
            case Errno.EACCES:
                return new DataPlaneException("cannot create TUN device " + name + ": operation not permitted; run weft as"
                        + " root or grant it CAP_NET_ADMIN");
            case Errno.EINVAL: {
                if (LinkKind.exists(name) && !LinkKind.isTun(name)) {
                    return new DataPlaneException(LinkKind.occupiedMessage(name, LinkKind.of(name)));
                }
                String mq = (flags & IFF_MULTI_QUEUE) != 0 ? "multi-queue" : "single-queue";
                return new DataPlaneException("cannot create TUN device " + name + ": a TUN/TAP device with that name exists"
                        + " with other flags than the " + mq + " layer-3 TUN weft wants; delete it with 'ip link delete "
                        + name + "' or change the worker count");
            }
            case Errno.EBUSY:
                return new DataPlaneException("cannot create TUN device " + name + ": it is already open in another process"
                        + " (another weft?); stop that process or give weft another device name");
            default:
                return new DataPlaneException("cannot create TUN device " + name + ": ioctl(TUNSETIFF) failed with errno "
                        + errno);
        }
    }

    public String name() {
        return name;
    }

    /** What the kernel granted: virtio_net_hdr on reads and writes, checksum, TSO and USO offload. */
    public TunOffloads offloads() {
        return offloads;
    }

    /**
     * TUNSETPERSIST: with {@code true} the device, its address and its routes stay when weft's fds close (a restart
     * finds them, as flanneld finds its flannel.1); {@code weft cleanup} deletes it.
     */
    public void persist(boolean keep) {
        if (LibC.ioctl(queues.get(0).intValue(), TUNSETPERSIST, keep ? 1 : 0) < 0) {
            throw new DataPlaneException("cannot make " + name + (keep ? "" : " not") + " persistent: ioctl(TUNSETPERSIST)"
                    + " failed with errno " + LibC.errno());
        }
    }

    /** One non-blocking fd per queue, in queue order. */
    public List<FileDescriptor> queues() {
        return queues;
    }

    @Override
    public void close() {
        closeAll(queues);
    }

    private static void closeAll(List<FileDescriptor> fds) {
        for (FileDescriptor fd : fds) {
            try {
                fd.close();
            } catch (IOException ignored) {
                // closing is best effort; the kernel frees the fd when the process ends anyway
            }
        }
    }
}
