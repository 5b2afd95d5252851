package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.weft.fdb.Lease;
import io.weft.fdb.path.WeftAdvert;
import io.weft.fdb.path.WeftAdvertJson;
import io.weft.fdb.registry.LeaseEvents;
import io.weft.fdb.registry.LogLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Follows every node through one informer (list, then watch; a resync every {@link KubeSettings#resync}), as
 * flanneld's node controller does, and turns what it sees into {@link LeaseEvents} for the other nodes and a callback
 * for our own.
 *
 * <p>All of it runs on one thread of its own, in the informer's order, so {@link LeaseEvents} are called from one
 * thread; {@link LeaseEvents#batchDone} comes when no further node event is queued, so the initial list of a large
 * cluster publishes one table, not one per node. Like flanneld, an update counts only if the lease changed (backend
 * type or data, public IP, and here also the podCIDR); resyncs change nothing.
 *
 * <p>A node whose annotations do not parse is skipped and logged (once per {@code reportEvery} per node); if it had
 * a good lease before, that lease stays. While the API server is away the informer keeps its cache, so the table
 * stays as it is; fabric8 re-lists and re-watches with backoff, and a node deleted meanwhile is reported removed then.
 */
final class NodeWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeWatcher.class);

    private final KubernetesClient client;
    private final String ownName;
    private final NodeLeases leases;
    private final KubeSettings settings;
    private final LogLimiter badNodes;
    private final LogLimiter apiTrouble;
    private final ThreadPoolExecutor thread;
    private final ScheduledExecutorService monitor;
    private final Map<String, Lease> reported = new HashMap<>();
    private final Map<String, NodeAddress> addresses = new HashMap<>();
    /** The weft advert of each reported node that has a good one, by node name. */
    private final Map<String, WeftAdvert> adverts = new HashMap<>();
    private final AtomicLong skipped = new AtomicLong();
    private volatile Consumer<Node> ownNodeListener = n -> { };
    private volatile Consumer<List<NodeAddress>> addressListener;
    private volatile SharedIndexInformer<Node> informer;
    private LeaseEvents sink;
    private boolean watchUp;
    private boolean everWatched;
    private boolean dirty;
    private boolean addressesChanged;

    NodeWatcher(KubernetesClient client, String ownName, NodeLeases leases, KubeSettings settings) {
        this.client = client;
        this.ownName = ownName;
        this.leases = leases;
        this.settings = settings;
        this.badNodes = new LogLimiter(settings.reportEvery());
        this.apiTrouble = new LogLimiter(settings.reportEvery());
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "weft-kube-nodes");
            t.setDaemon(true);
            return t;
        });
        this.monitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weft-kube-watch-state");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the informer without waiting for its first list (the API server may be down). */
    synchronized void start() {
        if (informer != null) {
            return;
        }
        SharedIndexInformer<Node> inf = client.nodes().runnableInformer(settings.resync().toMillis());
        inf.exceptionHandler((started, t) -> {
            reportTrouble(t);
            return true;
        });
        inf.addEventHandler(new ResourceEventHandler<Node>() {
            @Override
            public void onAdd(Node node) {
                thread.execute(() -> seen(node, false));
            }

            @Override
            public void onUpdate(Node before, Node after) {
                thread.execute(() -> seen(after, false));
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
                thread.execute(() -> seen(node, true));
            }
        });
        informer = inf;
        inf.start();
        monitor.scheduleWithFixedDelay(this::checkWatch, 1, 1, TimeUnit.SECONDS);
    }

    /** fabric8 re-watches silently; say when the watch is lost and when it is back, once each. */
    private void checkWatch() {
        boolean now = isWatching();
        if (now == watchUp) {
            return;
        }
        watchUp = now;
        if (now) {
            if (everWatched) {
                LOG.info("node watch at {} is back; peers follow the API server again", client.getMasterUrl());
            }
            everWatched = true;
        } else if (everWatched) {
            LOG.warn("lost the node watch at {}; forwarding stays as it is, reconnecting with backoff", client.getMasterUrl());
        }
    }

    /** Our own node as last listed or watched, or null before the first list (or if it does not exist). */
    Node ownNode() {
        SharedIndexInformer<Node> inf = informer;
        return inf == null ? null : inf.getStore().getByKey(ownName);
    }

    boolean hasSynced() {
        SharedIndexInformer<Node> inf = informer;
        return inf != null && inf.hasSynced();
    }

    boolean isWatching() {
        SharedIndexInformer<Node> inf = informer;
        return inf != null && inf.isWatching();
    }

    /** How many node events were skipped because the node's annotations did not parse. */
    long skipped() {
        return skipped.get();
    }

    /** Called on the watcher's thread with every add or update of our own node. */
    void onOwnNode(Consumer<Node> listener) {
        ownNodeListener = listener;
    }

    /** Called on the watcher's thread with every peer's addresses whenever one changes (and once now). */
    void onNodeAddresses(Consumer<List<NodeAddress>> listener) {
        thread.execute(() -> {
            addressListener = listener;
            listener.accept(List.copyOf(addresses.values()));
        });
    }

    /** From now on reports to {@code events}, starting with every lease known now as added. */
    void attach(LeaseEvents events) {
        thread.execute(() -> {
            sink = events;
            reported.values().forEach(events::added);
            adverts.forEach((name, a) -> events.advertised(reported.get(name).key(), a));
            dirty = true;
            flushIfIdle();
        });
    }

    private void seen(Node node, boolean deleted) {
        try {
            String name = NodeLeases.name(node);
            if (ownName.equals(name)) {
                if (!deleted) {
                    ownNodeListener.accept(node);
                }
                return;
            }
            Lease next;
            if (deleted) {
                next = null;
            } else {
                try {
                    next = leases.lease(node);
                    badNodes.reset(name);
                } catch (MalformedNodeException e) {
                    skipped.incrementAndGet();
                    if (badNodes.allow(name)) {
                        LOG.warn("{}; {}", e.getMessage(), reported.containsKey(name)
                                ? "keeping its last good lease" : "skipping this node until it is fixed");
                    }
                    return;
                }
            }
            Lease before = next == null ? reported.remove(name) : reported.put(name, next);
            followAdvert(node, name, before, next);
            NodeAddress address = next == null ? null : new NodeAddress(name, NodeLeases.internalIp(node), next.publicIp());
            if (!java.util.Objects.equals(address == null ? addresses.remove(name) : addresses.put(name, address), address)) {
                addressesChanged = true;
            }
            if (sink != null) {
                if (before == null && next != null) {
                    sink.added(next);
                    dirty = true;
                } else if (before != null && next == null) {
                    sink.removed(before);
                    dirty = true;
                } else if (before != null && !before.sameAttributes(next)) {
                    sink.changed(before, next);
                    dirty = true;
                }
            }
        } catch (RuntimeException e) {
            LOG.error("while handling an event for node {}: {}", NodeLeases.name(node), e.toString());
        } finally {
            flushIfIdle();
        }
    }

    /** The node's {@link AnnotationNames#WEFT_ADVERT}, reported under its lease key when it changes. */
    private void followAdvert(Node node, String name, Lease before, Lease next) {
        WeftAdvert now = next == null ? null : advertOf(node, name);
        WeftAdvert had = now == null ? adverts.remove(name) : adverts.put(name, now);
        if (sink == null) {
            return;
        }
        if (had != null && before != null && (next == null || !before.key().equals(next.key()))) {
            sink.advertised(before.key(), null);
            had = null;
        }
        if (next != null && !java.util.Objects.equals(had, now)) {
            sink.advertised(next.key(), now);
            dirty = true;
        }
    }

    private WeftAdvert advertOf(Node node, String name) {
        String text = NodeLeases.annotations(node).get(AnnotationNames.WEFT_ADVERT);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return WeftAdvertJson.decode("annotation " + AnnotationNames.WEFT_ADVERT + " of node " + name, text);
        } catch (IllegalArgumentException e) {
            if (badNodes.allow(name + "/advert")) {
                LOG.warn("{}", e.getMessage());
            }
            return null;
        }
    }

    private void flushIfIdle() {
        if (!thread.getQueue().isEmpty()) {
            return;
        }
        if (dirty && sink != null) {
            dirty = false;
            sink.batchDone();
        }
        Consumer<List<NodeAddress>> l = addressListener;
        if (addressesChanged && l != null) {
            addressesChanged = false;
            l.accept(List.copyOf(addresses.values()));
        }
    }

    private void reportTrouble(Throwable t) {
        KubernetesClientException k = KubeApi.clientException(t);
        String line;
        if (k != null && k.getCode() == 403) {
            line = KubeApi.translate("list", "nodes", "list nodes", k).getMessage();
        } else {
            String why = k != null && k.getCode() > 0 ? KubeApi.translate("list", "nodes", "list nodes", k).getMessage()
                    : "cannot list or watch nodes: " + KubeApi.message(KubeApi.rootCause(t));
            line = why + " (API server " + client.getMasterUrl() + "); forwarding stays as it is, retrying with backoff";
        }
        if (apiTrouble.allow("informer")) {
            LOG.warn(line);
        }
    }

    @Override
    public void close() {
        SharedIndexInformer<Node> inf = informer;
        if (inf != null) {
            inf.stop();
        }
        monitor.shutdownNow();
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
