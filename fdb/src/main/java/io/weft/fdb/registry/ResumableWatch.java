package io.weft.fdb.registry;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An etcd watch that never gives up: it starts from a consistent read ({@link Handler#resync()}), watches from the
 * revision after it, resumes from the last revision seen after a disconnect (backing off from 100 ms to 5 s), and
 * reads everything again when etcd has compacted the revision it needed. All handler calls run on one executor
 * thread, in order.
 *
 * <p>jetcd re-opens a broken watch by itself every 500 ms with no backoff and gives up on compaction; this class
 * closes jetcd's watcher on the first error and does its own resuming, so the behaviour is the one described above.
 * A watch opened while etcd is away neither fails nor starts: it waits for gRPC to reconnect, on gRPC's backoff of up
 * to 2 minutes. So until etcd confirms the watch, the channel is told to reconnect ({@link EtcdReconnect}) on this
 * class's backoff, and the watch resumes within {@code backoffMax} of etcd's return, as the log line promises.
 *
 * <p>etcd answers a watch with one response per write, so 10,000 leases put at once arrive as 10,000 responses. The
 * responses that queue up while the handler is busy are handed to it together, in one {@link Handler#events} call:
 * a handler that rebuilds something per call (the forwarding table, from every lease) then does so a few times per
 * burst instead of once per lease, which made loading a large cluster quadratic in its size.
 */
final class ResumableWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResumableWatch.class);

    interface Handler {
        /** Reads the current state and diffs it against what the handler knows; returns the read's revision. */
        long resync() throws EtcdUnavailableException, InterruptedException;

        /**
         * Events in revision order: those of every watch response that arrived since the last call (at least one
         * response, never an empty list).
         */
        void events(List<WatchEvent> events) throws InterruptedException;
    }

    private final Watch watchClient;
    private final String key;
    private final boolean prefix;
    private final ScheduledExecutorService executor;
    private final Handler handler;
    private final Duration backoffMin;
    private final Duration backoffMax;
    private final LogLimiter logLimiter;
    private final String endpoints;
    private final Runnable reconnect;

    private volatile boolean closed;
    /** The next revision to watch from; written only on the executor thread. */
    private volatile long nextRevision;
    private long backoffMillis;
    private Session session;

    /**
     * @param reconnect makes the client's channel connect now ({@link EtcdCalls#reconnect()})
     */
    ResumableWatch(Watch watchClient, String key, boolean prefix, ScheduledExecutorService executor, Handler handler,
                   Duration backoffMin, Duration backoffMax, LogLimiter logLimiter, String endpoints, Runnable reconnect) {
        this.watchClient = watchClient;
        this.key = key;
        this.prefix = prefix;
        this.executor = executor;
        this.handler = handler;
        this.backoffMin = backoffMin;
        this.backoffMax = backoffMax;
        this.logLimiter = logLimiter;
        this.endpoints = endpoints;
        this.reconnect = reconnect;
        this.backoffMillis = backoffMin.toMillis();
    }

    /** Starts with a resync (snapshot, then watch from its revision + 1). */
    void start() {
        submit(this::resyncAndWatch, 0);
    }

    /** Starts watching from {@code revision} without a resync (the caller has just read or written at revision - 1). */
    void startFrom(long revision) {
        submit(() -> open(revision), 0);
    }

    /** The revision the watch has seen everything before (0 before the first snapshot). */
    long revision() {
        return nextRevision == 0 ? 0 : nextRevision - 1;
    }

    @Override
    public void close() {
        closed = true;
        try {
            executor.execute(this::closeSession);
        } catch (RejectedExecutionException e) {
            closeSession();
        }
    }

    private void resyncAndWatch() {
        long r;
        try {
            r = handler.resync();
        } catch (EtcdUnavailableException e) {
            if (logLimiter.allow("watch " + key)) {
                LOG.warn("cannot read {} from etcd at {}; retrying with backoff up to {} s: {}", key, endpoints,
                        backoffMax.toSeconds(), e.getMessage());
            }
            retryLater(this::resyncAndWatch);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        open(r + 1);
    }

    private void open(long fromRevision) {
        if (closed) {
            return;
        }
        closeSession();
        nextRevision = fromRevision;
        Session s = new Session();
        session = s;
        WatchOption option = WatchOption.builder().isPrefix(prefix).withRevision(fromRevision)
                .withCreateNotify(true).withRequireLeader(true).build();
        try {
            Watch.Watcher w = watchClient.watch(LeaseStore.bytes(key), option, s);
            s.attach(w);
        } catch (RuntimeException e) {
            s.dead = true;
            onFailure(s, e);
            return;
        }
        awaitCreated(s, backoffMillis);
    }

    /**
     * Until etcd confirms the watch {@code s}, tells the channel to reconnect every {@code delay} ms, doubling up to
     * the backoff's ceiling: a watch opened while etcd is away waits silently for gRPC's own, much slower, reconnect.
     */
    private void awaitCreated(Session s, long delay) {
        submit(() -> {
            if (s != session || s.created) {
                return;
            }
            // A slow first answer is not news; a second missed check is.
            if (delay >= 1000 && logLimiter.allow("watch " + key)) {
                LOG.warn("watch of {} waits for etcd at {}; reconnecting with backoff up to {} s", key, endpoints,
                        backoffMax.toSeconds());
            }
            reconnect.run();
            awaitCreated(s, Math.min(backoffMax.toMillis(), Math.max(1, delay) * 2));
        }, delay);
    }

    private void closeSession() {
        Session s = session;
        session = null;
        if (s != null) {
            s.kill();
        }
    }

    /** Runs on the executor: takes every response queued on {@code s} so far and hands their events over at once. */
    private void drain(Session s) {
        s.drainScheduled.set(false);
        List<WatchEvent> events = new ArrayList<>();
        boolean confirmed = false;
        for (WatchResponse response = s.pending.poll(); response != null; response = s.pending.poll()) {
            confirmed |= response.isCreatedNotify() || !response.getEvents().isEmpty();
            events.addAll(response.getEvents());
        }
        if (closed || s != session) {
            return;
        }
        if (confirmed) {
            s.created = true;
            backoffMillis = backoffMin.toMillis();
            logLimiter.reset("watch " + key);
        }
        if (events.isEmpty()) {
            return;
        }
        try {
            handler.events(events);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        nextRevision = Math.max(nextRevision, events.get(events.size() - 1).getKeyValue().getModRevision() + 1);
    }

    private void onFailure(Session s, Throwable t) {
        if (closed || s != session) {
            return;
        }
        session = null;
        if (needsResync(t)) {
            LOG.warn("etcd compacted the history the watch of {} needed (at revision {}); reading it again", key, nextRevision);
            retryLater(this::resyncAndWatch);
            return;
        }
        if (logLimiter.allow("watch " + key)) {
            LOG.warn("watch of {} at etcd {} broke ({}); resuming from revision {} with backoff up to {} s", key,
                    endpoints, t.getMessage(), nextRevision, backoffMax.toSeconds());
        }
        long from = nextRevision;
        retryLater(() -> open(from));
    }

    private static boolean needsResync(Throwable t) {
        if (t instanceof CompactedException) {
            return true;
        }
        // "required revision is a future revision": etcd lost its data or was replaced; only a fresh read helps.
        return t instanceof EtcdException e && e.getErrorCode() == ErrorCode.OUT_OF_RANGE;
    }

    private void retryLater(Runnable task) {
        // What we retry goes through the channel: have it connect by then instead of on gRPC's backoff.
        reconnect.run();
        long delay = backoffMillis;
        backoffMillis = Math.min(backoffMax.toMillis(), Math.max(1, backoffMillis) * 2);
        submit(task, delay);
    }

    private void submit(Runnable task, long delayMillis) {
        if (closed) {
            return;
        }
        try {
            executor.schedule(() -> {
                if (!closed) {
                    task.run();
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException ignored) {
            // shutting down
        }
    }

    /** One jetcd watcher; its callbacks hop onto our executor and are ignored once the session is replaced. */
    private final class Session implements Watch.Listener {
        private volatile Watch.Watcher watcher;
        private volatile boolean dead;
        /** etcd confirmed the watch (or sent events); written and read on the executor thread. */
        private boolean created;
        /** Responses not yet handed to the handler, in arrival order. */
        private final ConcurrentLinkedQueue<WatchResponse> pending = new ConcurrentLinkedQueue<>();
        /** A {@link #drain} of {@link #pending} is on the executor and has not started yet. */
        private final AtomicBoolean drainScheduled = new AtomicBoolean();

        void attach(Watch.Watcher w) {
            watcher = w;
            if (dead) {
                w.close();
            }
        }

        void kill() {
            dead = true;
            Watch.Watcher w = watcher;
            if (w != null) {
                w.close();
            }
        }

        @Override
        public void onNext(WatchResponse response) {
            if (!dead) {
                pending.add(response);
                // One drain per burst: it is queued ahead of any later onError/onCompleted hop, so order is kept.
                if (drainScheduled.compareAndSet(false, true)) {
                    hop(() -> drain(this));
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            if (dead) {
                return;
            }
            // Stop jetcd's own 500 ms re-open loop at once; we resume with backoff ourselves.
            kill();
            hop(() -> onFailure(this, t));
        }

        @Override
        public void onCompleted() {
            if (!dead) {
                kill();
                hop(() -> onFailure(this, new IllegalStateException("the watch stream ended")));
            }
        }

        private void hop(Runnable r) {
            try {
                executor.execute(r);
            } catch (RejectedExecutionException ignored) {
                // shutting down
            }
        }
    }
}
