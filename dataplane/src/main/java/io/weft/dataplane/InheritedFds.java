package io.weft.dataplane;

import java.util.List;

/**
 * Descriptors an earlier weft handed to the service manager's fd store and this one got back at start-up: its TUN
 * queues and its VXLAN sockets, in worker order. The data plane uses them instead of opening and binding anew, so
 * that what the kernel queued on them while no weft ran (packets from the pods in the TUN queues, peers' datagrams in
 * the socket buffers) is still there to be forwarded.
 *
 * @param tunQueues  TUN queue fds of the device, or empty
 * @param udpSockets bound VXLAN UDP socket fds, or empty
 * @param unused     passed descriptors that are neither (unknown names, gaps in the numbering): to be closed
 */
public record InheritedFds(List<Integer> tunQueues, List<Integer> udpSockets, List<Integer> unused) {
    public static final InheritedFds NONE = new InheritedFds(List.of(), List.of(), List.of());

    public InheritedFds {
        tunQueues = List.copyOf(tunQueues);
        udpSockets = List.copyOf(udpSockets);
        unused = List.copyOf(unused);
    }

    /** Every descriptor, used or not. */
    public List<Integer> all() {
        List<Integer> all = new java.util.ArrayList<>(tunQueues);
        all.addAll(udpSockets);
        all.addAll(unused);
        return all;
    }

    /** True if there is one TUN queue for each of {@code workers}. */
    public boolean hasTunQueues(int workers) {
        return tunQueues.size() == workers;
    }

    /** True if there is one socket for each of {@code workers}. */
    public boolean hasSockets(int workers) {
        return udpSockets.size() == workers;
    }

    /** The socket of worker {@code i} if there is one for every worker, else -1 (bind a new one). */
    public int socket(int i, int workers) {
        return hasSockets(workers) ? udpSockets.get(i) : -1;
    }

    public boolean isEmpty() {
        return tunQueues.isEmpty() && udpSockets.isEmpty() && unused.isEmpty();
    }
}
