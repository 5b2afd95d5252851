package io.weft.dataplane;

import java.util.List;

/**
 * TUN queues and VXLAN sockets the data plane takes over instead of opening and binding anew, in worker order: those
 * an earlier weft handed to the service manager's fd store and this one got back at start-up, or those this process
 * attached and bound first thing at a restart. What the kernel queued on them while no weft read them (packets from
 * the pods in the TUN queues, peers' datagrams in the socket buffers) is still there to be forwarded.
 *
 * @param tunQueues   TUN queue fds of the device, or empty
 * @param udpSockets  bound IPv4 VXLAN UDP socket fds, or empty
 * @param udp6Sockets bound IPv6 VXLAN UDP socket fds (a dual-stack or IPv6-only run), or empty
 * @param unused      passed descriptors that are none of these (unknown names, gaps in the numbering): to be closed
 */
public record InheritedFds(List<Integer> tunQueues, List<Integer> udpSockets, List<Integer> udp6Sockets,
                           List<Integer> unused) {
    public static final InheritedFds NONE = new InheritedFds(List.of(), List.of(), List.of(), List.of());

    public InheritedFds {
        tunQueues = List.copyOf(tunQueues);
        udpSockets = List.copyOf(udpSockets);
        udp6Sockets = List.copyOf(udp6Sockets);
        unused = List.copyOf(unused);
    }

    /** Every descriptor, used or not. */
    public List<Integer> all() {
        List<Integer> all = new java.util.ArrayList<>(tunQueues);
        all.addAll(udpSockets);
        all.addAll(udp6Sockets);
        all.addAll(unused);
        return all;
    }

    /** These without the unused ones (once those are closed). */
    public InheritedFds withoutUnused() {
        return new InheritedFds(tunQueues, udpSockets, udp6Sockets, List.of());
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

    /** True if there is one IPv6 socket for each of {@code workers}. */
    public boolean hasSockets6(int workers) {
        return udp6Sockets.size() == workers;
    }

    /** The IPv6 socket of worker {@code i} if there is one for every worker, else -1 (bind a new one). */
    public int socket6(int i, int workers) {
        return hasSockets6(workers) ? udp6Sockets.get(i) : -1;
    }

    public boolean isEmpty() {
        return tunQueues.isEmpty() && udpSockets.isEmpty() && udp6Sockets.isEmpty() && unused.isEmpty();
    }
}
