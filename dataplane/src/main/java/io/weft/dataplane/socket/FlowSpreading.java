package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.dataplane.os.LibC;

/**
 * Spreads received VXLAN datagrams over the workers' sockets by the inner flow, not the outer 4-tuple.
 *
 * <p>Every worker binds the VXLAN port with SO_REUSEPORT, and the kernel picks a socket by the hash of the outer
 * addresses and ports. weft sends from its bound port (8472) to the peer's, so all of one weft peer's traffic has
 * one outer 4-tuple and lands on one worker: four TCP streams from a weft peer were decapsulated by one thread while
 * the other sat idle. A classic BPF program on the port's reuseport group (SO_ATTACH_REUSEPORT_CBPF, Linux 4.5+)
 * instead returns the socket index from the inner IPv4 addresses and ports (bytes 34 to 45 of the UDP payload:
 * VXLAN 8 + Ethernet 14 + IPv4 source, destination, then the L4 ports), so each inner flow keeps one worker (no
 * reordering) and different flows use different workers. A datagram too short for those loads (an ARP frame is
 * not) makes the program return 0, the first socket. An IPv6 inner packet hashes bytes of its addresses instead:
 * still the same for every packet of a flow.
 *
 * <p>Sockets of a reuseport group are indexed in the order they were bound, the workers' order. Attaching is best
 * effort: without it the kernel's own hash applies, as before.
 *
 * <p>Off unless {@code -Dweft.udp.flowspread=on}. On the 2-core development machine, where both hosts' weft, iperf3
 * and the softirqs share two cores, it loses: weft ↔ weft with 4 TCP streams, three alternations on an idle machine
 * (2026-12-01), 2.84 / 3.31 / 2.85 Gb/s with it against 3.53 / 3.56 / 3.48 without, as both workers of both hosts
 * then compete for the two cores (idle 0 % instead of 8-12 %). (Before the multiply below, the program spread nothing
 * for client flows, and an earlier measurement of "no gain" measured one worker either way.) It is meant for hosts
 * with more cores than busy flows; a kernel peer varies its outer source port per flow, and its datagrams spread
 * over the workers without it.
 */
public final class FlowSpreading {
    /** {@code SO_ATTACH_REUSEPORT_CBPF} (asm-generic/socket.h). */
    static final int SO_ATTACH_REUSEPORT_CBPF = 51;
    /** Inner IPv4 source address, from the start of the UDP payload. */
    static final int INNER_SRC = 8 + 14 + 12;
    private static final int LD_W_ABS = 0x20;
    private static final int TAX = 0x07;
    private static final int XOR_X = 0xac;
    private static final int RSH_K = 0x74;
    private static final int MOD_K = 0x94;
    private static final int AND_K = 0x54;
    private static final int MUL_K = 0x24;
    /** 2^32 / golden ratio: the multiply spreads every bit of the 16-bit fold into bits 16 to 31. */
    private static final int GOLDEN = 0x9E3779B1;
    private static final int RET_A = 0x16;

    /** System property: {@code on} spreads by inner flow; anything else leaves the kernel's outer 4-tuple hash. */
    public static final String PROPERTY = "weft.udp.flowspread";

    private FlowSpreading() {
    }

    /** True if the system property {@value #PROPERTY} is {@code on}. */
    public static boolean wanted() {
        return "on".equalsIgnoreCase(System.getProperty(PROPERTY, "off").trim());
    }

    /**
     * The program for {@code sockets} sockets: A = src ^ dst ^ ports, folded to 16 bits, multiplied by {@link #GOLDEN}
     * and its high 16 bits taken, modulo {@code sockets}. The fold alone, modulo 2, is the parity of the two ports'
     * low bits and the addresses: Linux gives connect() even ephemeral ports, so every client flow to one server port
     * had the same parity and all landed on one socket (iperf3 -P 4: one worker busy on each host, the other idle).
     * Each instruction is {@code struct sock_filter} {u16 code, u8 jt, u8 jf, u32 k} in the machine's order.
     */
    static long[][] program(int sockets) {
        return new long[][] {
            {LD_W_ABS, INNER_SRC}, {TAX, 0}, {LD_W_ABS, INNER_SRC + 4}, {XOR_X, 0}, {TAX, 0},
            {LD_W_ABS, INNER_SRC + 8}, {XOR_X, 0}, {TAX, 0}, {RSH_K, 16}, {XOR_X, 0}, {AND_K, 0xffff},
            {MUL_K, GOLDEN}, {RSH_K, 16}, {MOD_K, sockets}, {RET_A, 0},
        };
    }

    /**
     * Attaches the program for {@code sockets} workers to the reuseport group of {@code socketFd}; true if the
     * kernel took it. With one worker there is nothing to spread, and nothing is attached.
     */
    public static boolean attach(int socketFd, int sockets) {
        if (sockets <= 1) {
            return false;
        }
        long[][] program = program(sockets);
        ByteBuf filter = Unpooled.directBuffer(program.length * 8);
        try {
            for (long[] insn : program) {
                filter.writeShortLE((int) insn[0]).writeByte(0).writeByte(0).writeIntLE((int) insn[1]);
            }
            // struct sock_fprog {unsigned short len; struct sock_filter *filter;}: the pointer at offset 8.
            byte[] fprog = new byte[16];
            fprog[0] = (byte) program.length;
            fprog[1] = (byte) (program.length >>> 8);
            long address = filter.memoryAddress();
            for (int i = 0; i < 8; i++) {
                fprog[8 + i] = (byte) (address >>> (8 * i));
            }
            // The kernel copies the program in during the call; the buffer may go afterwards.
            return LibC.setsockopt(socketFd, LibC.SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, fprog, fprog.length) == 0;
        } finally {
            filter.release();
        }
    }
}
