package io.weft.fdb.registry;

import io.etcd.jetcd.Client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One jetcd client plus a bounded wait on its futures, turning every failure into {@link EtcdUnavailableException}. */
final class EtcdCalls {
    private final Client client;
    private final Duration timeout;
    private final String endpoints;
    private final EtcdReconnect reconnect;

    EtcdCalls(Client client, Duration timeout, String endpoints) {
        this.client = client;
        this.timeout = timeout;
        this.endpoints = endpoints;
        this.reconnect = EtcdReconnect.of(client);
    }

    /** Makes the client's channel connect now rather than after gRPC's own reconnect backoff. */
    EtcdReconnect reconnect() {
        return reconnect;
    }

    Client client() {
        return client;
    }

    String endpoints() {
        return endpoints;
    }

    <T> T await(String what, CompletableFuture<T> future) throws EtcdUnavailableException, InterruptedException {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new EtcdUnavailableException("etcd at " + endpoints + " did not answer " + what + " within "
                    + timeout.toSeconds() + " s; is etcd running and reachable? (--etcd-endpoints)", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new EtcdUnavailableException("etcd at " + endpoints + " failed " + what + ": " + c.getMessage()
                    + hint(String.valueOf(c.getMessage())), c);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        }
    }

    /** What to do about the failures an operator can fix, named by etcd's status text. */
    static String hint(String message) {
        return switch (EtcdRefusal.of(message)) {
            case CREDENTIALS -> " (etcd refused the credentials: check -etcd-username and -etcd-password)";
            case PERMISSION -> " (the etcd user may not access this prefix: grant it a role with readwrite on --etcd-prefix)";
            case NONE -> "";
        };
    }
}
