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

    EtcdCalls(Client client, Duration timeout, String endpoints) {
        this.client = client;
        this.timeout = timeout;
        this.endpoints = endpoints;
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
            throw new EtcdUnavailableException("etcd at " + endpoints + " failed " + what + ": " + c.getMessage(), c);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        }
    }
}
