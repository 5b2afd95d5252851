package io.weft.fdb.registry;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Makes jetcd's gRPC channel try to connect now. After etcd went away, gRPC reconnects on its own backoff (1 s
 * growing by 1.6 up to 2 min), and a watch opened meanwhile just waits for it without an error: after a 60 s outage,
 * changes reached weft 6-10 s after etcd was back, although our log promises a retry within 5 s. Resetting the
 * channel's backoff on our own schedule keeps that promise.
 *
 * <p>jetcd has no public handle on its channel, so it is found by reflection (jetcd 0.8: {@code ClientImpl}'s
 * {@code connectionManager.getChannel()}); if a jetcd upgrade moves it, this says so once and does nothing, and
 * recovery falls back to gRPC's own backoff.
 */
final class EtcdReconnect implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdReconnect.class);

    private final ManagedChannel channel;

    private EtcdReconnect(ManagedChannel channel) {
        this.channel = channel;
    }

    static EtcdReconnect of(Client client) {
        try {
            Field f = client.getClass().getDeclaredField("connectionManager");
            f.setAccessible(true);
            Object manager = f.get(client);
            Method getChannel = manager.getClass().getDeclaredMethod("getChannel");
            getChannel.setAccessible(true);
            return new EtcdReconnect((ManagedChannel) getChannel.invoke(manager));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("cannot reach jetcd's gRPC channel ({}); after an etcd outage weft resumes when gRPC reconnects"
                    + " by itself, which may take longer than the watch backoff", e.toString());
            return new EtcdReconnect(null);
        }
    }

    /** True if {@link #run()} reaches the channel. */
    boolean works() {
        return channel != null;
    }

    /** Connects now if the channel is waiting out its reconnect backoff; a no-op on a connected channel. */
    @Override
    public void run() {
        if (channel != null) {
            channel.resetConnectBackoff();
        }
    }
}
