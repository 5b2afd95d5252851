package io.weft.dataplane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data plane's buffers are not tracked by Netty's leak detector (a wrapper and a stack trace for every 128th
 * allocation at its default level), unless the JVM asks for a level.
 */
class NettyLeakDetectionTest {
    /** 4096 allocations: at the default level about 32 are tracked; none untracked by chance (p ~ e^-32). */
    private static final int ALLOCATIONS = 4096;
    private ResourceLeakDetector.Level before;

    @BeforeEach
    void remember() {
        before = ResourceLeakDetector.getLevel();
    }

    @AfterEach
    void restore() {
        ResourceLeakDetector.setLevel(before);
        System.clearProperty(NettyLeakDetection.PROPERTY);
    }

    /** How many of {@value #ALLOCATIONS} pooled direct buffers, as a TUN read takes them, come back leak-tracked. */
    private static int tracked() {
        int n = 0;
        for (int i = 0; i < ALLOCATIONS; i++) {
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(2048);
            if (b.getClass().getSimpleName().contains("LeakAware")) {
                n++;
            }
            b.release();
        }
        return n;
    }

    @Test
    void theDataPlanesBuffersAreNotTrackedByDefault() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE); // Netty's default
        assertThat(tracked()).as("Netty's default level tracks some").isPositive();
        assertThat(NettyLeakDetection.offUnlessAsked()).isTrue();
        assertThat(tracked()).isZero();
    }

    @Test
    void aLevelTheJvmAskedForStays() {
        System.setProperty(NettyLeakDetection.PROPERTY, "paranoid");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        assertThat(NettyLeakDetection.offUnlessAsked()).isFalse();
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        assertThat(tracked()).isEqualTo(ALLOCATIONS);
    }
}
