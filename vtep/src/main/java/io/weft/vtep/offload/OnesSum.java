package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import io.weft.vtep.Checksum;

/**
 * The Internet ones-complement sum over large ranges, fast: on buffers with a memory address it reads native
 * (little-endian) longs through Unsafe, four at a time, and swaps the folded result once. RFC 1071 §2(B): the sum
 * is byte-order independent up to that final swap. Ranges must start at an even offset from the start of what the
 * checksum covers (IP and TCP/UDP headers have even lengths, so every header and payload start qualifies).
 */
public final class OnesSum {
    private static final boolean NATIVE_LE = !PlatformDependent.BIG_ENDIAN_NATIVE_ORDER;
    private static final long LOW32 = 0xFFFF_FFFFL;

    private OnesSum() {
    }

    /**
     * The sum of {@code [index, index + length)} as big-endian 16-bit words (odd last byte padded with zero), in an
     * accumulator the caller may add to others and must {@link #fold}.
     */
    public static long sum(ByteBuf buf, int index, int length) {
        if (NATIVE_LE && buf.hasMemoryAddress()) {
            return sumAddress(buf.memoryAddress() + index, length);
        }
        return Checksum.add(0, buf, index, length);
    }

    /** {@link #sum} over raw memory; returns the folded big-endian 16-bit sum (a valid accumulator). */
    public static long sumAddress(long address, int length) {
        long acc = 0;
        long a = address;
        long end = address + length;
        for (; a + 32 <= end; a += 32) {
            long w0 = PlatformDependent.getLong(a);
            long w1 = PlatformDependent.getLong(a + 8);
            long w2 = PlatformDependent.getLong(a + 16);
            long w3 = PlatformDependent.getLong(a + 24);
            acc += (w0 >>> 32) + (w0 & LOW32) + (w1 >>> 32) + (w1 & LOW32)
                    + (w2 >>> 32) + (w2 & LOW32) + (w3 >>> 32) + (w3 & LOW32);
        }
        for (; a + 8 <= end; a += 8) {
            long w = PlatformDependent.getLong(a);
            acc += (w >>> 32) + (w & LOW32);
        }
        if (a + 4 <= end) {
            acc += PlatformDependent.getInt(a) & LOW32;
            a += 4;
        }
        if (a + 2 <= end) {
            acc += PlatformDependent.getShort(a) & 0xFFFF;
            a += 2;
        }
        if (a < end) {
            // Little-endian words: a lone last byte is the low byte of its word.
            acc += PlatformDependent.getByte(a) & 0xFF;
        }
        int le = fold(acc);
        return ((le & 0xFF) << 8) | (le >>> 8);
    }

    /** Folds an accumulator to 16 bits (never more than 0xFFFF). */
    public static int fold(long acc) {
        return Checksum.fold(acc);
    }
}
