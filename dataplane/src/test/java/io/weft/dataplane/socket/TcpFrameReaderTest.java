package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TCP fallback's framing: whatever way the byte stream is cut into reads, the sink gets exactly the frames that
 * were written, in order, each with the connection's address as its sender, and a batch ends before a gathered frame's
 * buffer is reused.
 */
class TcpFrameReaderTest {
    private static final int SENDER = 0xCB007107; // 203.0.113.7

    /** Collects each frame's bytes; checks that the frames it holds are still intact at the end of each batch. */
    private static final class Collecting implements DatagramSink {
        final List<byte[]> frames = new ArrayList<>();
        final List<int[]> views = new ArrayList<>();
        final List<ByteBuf> bufs = new ArrayList<>();
        int batches;

        @Override
        public void datagram(ByteBuf buf, int at, int length, int sender, int senderPort) {
            assertThat(sender).isEqualTo(SENDER);
            assertThat(senderPort).isEqualTo(40000);
            byte[] b = new byte[length];
            buf.getBytes(at, b);
            frames.add(b);
            views.add(new int[] {at, length});
            bufs.add(buf);
        }

        @Override
        public void endOfBatch() {
            // What the frames point into must still hold them now (a merging TUN queue reads them here).
            for (int i = 0; i < views.size(); i++) {
                byte[] again = new byte[views.get(i)[1]];
                bufs.get(i).getBytes(views.get(i)[0], again);
                assertThat(again).isEqualTo(frames.get(frames.size() - views.size() + i));
            }
            views.clear();
            bufs.clear();
            batches++;
        }
    }

    private static byte[] stream(List<byte[]> frames) {
        ByteBuf out = Unpooled.buffer();
        for (byte[] f : frames) {
            out.writeShort(f.length).writeBytes(f);
        }
        byte[] b = new byte[out.readableBytes()];
        out.readBytes(b);
        return b;
    }

    @Provide
    Arbitrary<List<byte[]>> frames() {
        Arbitrary<byte[]> frame = Arbitraries.integers().between(0, 3000).flatMap(n ->
                Arbitraries.bytes().array(byte[].class).ofSize(n));
        return frame.list().ofMinSize(0).ofMaxSize(12);
    }

    @Property(tries = 300)
    void anySplitOfTheStreamGivesTheSameFrames(@ForAll("frames") List<byte[]> frames,
                                               @ForAll @Size(max = 20) List<@IntRange(min = 0, max = 5000) Integer> cuts) {
        byte[] stream = stream(frames);
        int[] points = cuts.stream().mapToInt(c -> c % (stream.length + 1)).sorted().toArray();
        TcpFrameReader reader = new TcpFrameReader(ByteBufAllocator.DEFAULT, SENDER, 40000);
        Collecting sink = new Collecting();
        int from = 0;
        for (int to : points) {
            feed(reader, sink, stream, from, to);
            from = to;
        }
        feed(reader, sink, stream, from, stream.length);
        reader.release();
        assertThat(sink.frames).hasSize(frames.size());
        for (int i = 0; i < frames.size(); i++) {
            assertThat(sink.frames.get(i)).as("frame " + i).isEqualTo(frames.get(i));
        }
        assertThat(reader.frames()).isEqualTo(frames.size());
    }

    private static void feed(TcpFrameReader reader, DatagramSink sink, byte[] stream, int from, int to) {
        // Each read in its own direct buffer, filled with junk around the bytes, as a reused pooled buffer would be.
        ByteBuf in = ByteBufAllocator.DEFAULT.directBuffer(to - from + 16);
        in.writeBytes(new byte[7]).readerIndex(7);
        in.writeBytes(stream, from, to - from);
        reader.feed(in, sink);
        assertThat(in.isReadable()).isFalse();
        in.setBytes(0, new byte[in.capacity()]); // the next read reuses the buffer: nothing may point into it now
        in.release();
    }

    @Test
    void aByteByByteStreamOfTheLongestFrameArrivesWhole() {
        byte[] big = new byte[TcpFrameReader.MAX_FRAME];
        new Random(15).nextBytes(big);
        byte[] stream = stream(List.of(big, new byte[] {1, 2, 3}));
        TcpFrameReader reader = new TcpFrameReader(ByteBufAllocator.DEFAULT, SENDER, 40000);
        Collecting sink = new Collecting();
        for (int i = 0; i < stream.length; i++) {
            feed(reader, sink, stream, i, i + 1);
        }
        reader.release();
        assertThat(sink.frames).hasSize(2);
        assertThat(Arrays.equals(sink.frames.get(0), big)).isTrue();
        assertThat(sink.frames.get(1)).containsExactly(1, 2, 3);
    }

    @Test
    void framesWholeInOneReadAreOneBatch() {
        byte[] stream = stream(List.of(new byte[100], new byte[200], new byte[300]));
        TcpFrameReader reader = new TcpFrameReader(ByteBufAllocator.DEFAULT, SENDER, 40000);
        Collecting sink = new Collecting();
        feed(reader, sink, stream, 0, stream.length);
        reader.release();
        assertThat(sink.frames).hasSize(3);
        assertThat(sink.batches).isEqualTo(1);
    }
}
