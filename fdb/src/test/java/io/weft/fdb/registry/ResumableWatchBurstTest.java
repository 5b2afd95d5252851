package io.weft.fdb.registry;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * etcd answers a watch with one response per write, so a burst of N lease PUTs is N responses. The handler (which
 * rebuilds the whole forwarding table per call) must get the responses that queued while it was busy in one call,
 * not one call each: per-response calls made loading 10,000 leases take 290 s instead of seconds.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResumableWatchBurstTest {
    private static final int BURST = 2_000;

    @Test
    void responsesQueuedWhileTheHandlerIsBusyAreHandedOverInOneCall() throws Exception {
        FakeWatch etcd = new FakeWatch();
        BlockingHandler handler = new BlockingHandler();
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
        try (ResumableWatch watch = new ResumableWatch(etcd, "/coreos.com/network/subnets", true, thread, handler,
                Duration.ofMillis(100), Duration.ofSeconds(5), new LogLimiter(Duration.ofSeconds(30)), "fake", () -> { })) {
            watch.start();
            Watch.Listener listener = etcd.opened.get(10, TimeUnit.SECONDS);
            listener.onNext(put(1));
            assertThat(handler.entered.await(10, TimeUnit.SECONDS)).as("the handler got the first response").isTrue();
            // The handler is busy with the first response (a table build) while the rest of the burst arrives.
            for (int revision = 2; revision <= BURST; revision++) {
                listener.onNext(put(revision));
            }
            handler.release.countDown();
            EtcdTestSupport.await("every event of the burst", Duration.ofSeconds(10), () -> handler.revisions().size() == BURST);

            assertThat(handler.calls()).as("handler calls for " + BURST + " responses").containsExactly(1, BURST - 1);
            assertThat(handler.revisions()).as("events in revision order").isSortedAccordingTo(Long::compare);
            assertThat(watch.revision()).as("the revision seen").isEqualTo(BURST);
        } finally {
            thread.shutdownNow();
        }
    }

    private static WatchResponse put(long revision) {
        KeyValue kv = KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("/coreos.com/network/subnets/10.128."
                + (revision / 256) + "." + (revision % 256) + "-24")).setValue(ByteString.copyFromUtf8("{}"))
                .setModRevision(revision).build();
        return new WatchResponse(io.etcd.jetcd.api.WatchResponse.newBuilder()
                .addEvents(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv)).build());
    }

    /** Blocks in its first {@link #events} call until released; records the size of every call. */
    private static final class BlockingHandler implements ResumableWatch.Handler {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final List<Integer> calls = new ArrayList<>();
        private final List<Long> revisions = new ArrayList<>();

        @Override
        public long resync() {
            return 0;
        }

        @Override
        public void events(List<WatchEvent> events) throws InterruptedException {
            synchronized (this) {
                calls.add(events.size());
                for (WatchEvent e : events) {
                    revisions.add(e.getKeyValue().getModRevision());
                }
            }
            entered.countDown();
            release.await();
        }

        synchronized List<Integer> calls() {
            return List.copyOf(calls);
        }

        synchronized List<Long> revisions() {
            return List.copyOf(revisions);
        }
    }

    /** A watch client that hands the test the listener of the one watch opened. */
    private static final class FakeWatch implements Watch {
        final CompletableFuture<Watch.Listener> opened = new CompletableFuture<>();

        @Override
        public Watcher watch(ByteSequence key, WatchOption option, Listener listener) {
            opened.complete(listener);
            return new Watcher() {
                private volatile boolean closed;

                @Override
                public void close() {
                    closed = true;
                }

                @Override
                public boolean isClosed() {
                    return closed;
                }

                @Override
                public void requestProgress() {
                }
            };
        }

        @Override
        public void requestProgress() {
        }
    }
}
