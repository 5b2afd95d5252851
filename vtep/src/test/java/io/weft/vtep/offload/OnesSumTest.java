package io.weft.vtep.offload;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class OnesSumTest {
    @Test
    void equalsTheNaiveSumForEveryLengthAndStartOnDirectAndHeapBuffers() {
        Random r = new Random(42);
        byte[] data = new byte[3000];
        r.nextBytes(data);
        ByteBuf direct = Unpooled.directBuffer(3000).writeBytes(data);
        ByteBuf heap = Unpooled.buffer(3000).writeBytes(data);
        for (int i = 0; i < 2000; i++) {
            int from = r.nextInt(1000);
            int length = i < 100 ? i : r.nextInt(2000);
            int expected = SuperPackets.naiveChecksum(direct, from, Math.max(length, 0), 0);
            if (length == 0) {
                expected = 0xFFFF;
            }
            assertThat(~OnesSum.fold(OnesSum.sum(direct, from, length)) & 0xFFFF).as("direct %d+%d", from, length)
                    .isEqualTo(expected);
            assertThat(~OnesSum.fold(OnesSum.sum(heap, from, length)) & 0xFFFF).as("heap %d+%d", from, length)
                    .isEqualTo(expected);
        }
    }
}
