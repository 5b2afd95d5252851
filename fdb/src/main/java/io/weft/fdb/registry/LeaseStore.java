package io.weft.fdb.registry;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The etcd operations on flannel's keys: list, read, create-if-absent, replace-if-unchanged, grant, revoke. */
final class LeaseStore {
    /**
     * One consistent read of every lease.
     *
     * @param revision  the store revision of the read; a watch from {@code revision + 1} misses nothing
     * @param leases    those that parsed
     * @param malformed those that did not, one exception per key
     */
    record Listing(long revision, List<StoredLease> leases, List<MalformedLeaseException> malformed) {
    }

    /** A grant, with when its TTL runs out as seen from here. */
    record Grant(long id, java.time.Instant expiry) {
    }

    private final EtcdCalls calls;
    private final LeaseKeys keys;

    LeaseStore(EtcdCalls calls, LeaseKeys keys) {
        this.calls = calls;
        this.keys = keys;
    }

    LeaseKeys keys() {
        return keys;
    }

    EtcdCalls calls() {
        return calls;
    }

    Listing list() throws EtcdUnavailableException, InterruptedException {
        GetResponse r = calls.await("listing " + keys.subnetsPrefix(), calls.client().getKVClient()
                .get(bytes(keys.subnetsPrefix()), GetOption.builder().isPrefix(true).build()));
        List<StoredLease> ok = new ArrayList<>();
        List<MalformedLeaseException> bad = new ArrayList<>();
        for (KeyValue kv : r.getKvs()) {
            try {
                ok.add(parse(kv));
            } catch (MalformedLeaseException e) {
                bad.add(e);
            }
        }
        return new Listing(r.getHeader().getRevision(), ok, bad);
    }

    /** Every key under {@code prefix} with the read's revision (the weft records beside the leases). */
    Value.Many listUnder(String prefix) throws EtcdUnavailableException, InterruptedException {
        GetResponse r = calls.await("listing " + prefix, calls.client().getKVClient()
                .get(bytes(prefix), GetOption.builder().isPrefix(true).build()));
        return new Value.Many(r.getKvs(), r.getHeader().getRevision());
    }

    /** The value at {@code key} as text with the read's revision, or empty text when absent. */
    record Value(Optional<KeyValue> kv, long revision) {
        /** Several keys read at one revision. */
        record Many(List<KeyValue> kvs, long revision) {
        }
    }

    Value get(String key) throws EtcdUnavailableException, InterruptedException {
        GetResponse r = calls.await("reading " + key, calls.client().getKVClient().get(bytes(key)));
        return new Value(r.getKvs().stream().findFirst(), r.getHeader().getRevision());
    }

    Grant grant(Duration ttl) throws EtcdUnavailableException, InterruptedException {
        java.time.Instant before = java.time.Instant.now();
        long id = calls.await("granting a " + ttl.toSeconds() + " s lease",
                calls.client().getLeaseClient().grant(ttl.toSeconds())).getID();
        return new Grant(id, before.plus(ttl));
    }

    /** Revokes a grant; one that is already gone is not an error. */
    void revoke(long id) throws EtcdUnavailableException, InterruptedException {
        try {
            calls.await("revoking lease " + Long.toHexString(id), calls.client().getLeaseClient().revoke(id));
        } catch (EtcdUnavailableException e) {
            if (!isNotFound(e.getCause())) {
                throw e;
            }
        }
    }

    /** etcd's answer for a lease it does not hold, told by the gRPC status code jetcd fails with, not by its text. */
    private static boolean isNotFound(Throwable failure) {
        return Status.fromThrowable(failure).getCode() == Status.Code.NOT_FOUND;
    }

    /**
     * flanneld's create: {@code If(Version(key) == 0) Then(Put(key, value, lease))}.
     *
     * @return the revision of the write, or -1 if the key already existed
     */
    long createIfAbsent(String key, String value, long leaseId) throws EtcdUnavailableException, InterruptedException {
        TxnResponse r = calls.await("creating " + key, calls.client().getKVClient().txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(bytes(key), bytes(value), PutOption.builder().withLeaseId(leaseId).build()))
                .commit());
        return r.isSucceeded() ? r.getHeader().getRevision() : -1;
    }

    /**
     * Re-attaches our value to a new grant only if the key still holds exactly what we wrote, so that a renewal never
     * overwrites a lease someone else took after ours was deleted (flanneld's plain Put would).
     *
     * @return the revision of the write, or -1 if the key is gone or holds another value
     */
    long replaceIfUnchanged(String key, String expected, String value, long leaseId)
            throws EtcdUnavailableException, InterruptedException {
        TxnResponse r = calls.await("renewing " + key, calls.client().getKVClient().txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.value(bytes(expected))))
                .Then(Op.put(bytes(key), bytes(value), PutOption.builder().withLeaseId(leaseId).build()))
                .commit());
        return r.isSucceeded() ? r.getHeader().getRevision() : -1;
    }

    /** A plain put, as flanneld does when it takes over a lease that carries its PublicIP. */
    long put(String key, String value, long leaseId) throws EtcdUnavailableException, InterruptedException {
        return calls.await("writing " + key, calls.client().getKVClient()
                .put(bytes(key), bytes(value), PutOption.builder().withLeaseId(leaseId).build())).getHeader().getRevision();
    }

    /**
     * The expiries of many etcd leases, asked all at once (flanneld asks one key at a time, which at start-up costs
     * one round trip per node); those etcd does not answer in time are left out.
     */
    java.util.Map<Long, java.time.Instant> expiriesOf(java.util.Collection<Long> leaseIds) throws InterruptedException {
        java.util.Map<Long, java.util.concurrent.CompletableFuture<io.etcd.jetcd.lease.LeaseTimeToLiveResponse>> asked = new java.util.HashMap<>();
        for (long id : leaseIds) {
            if (id != 0) {
                asked.putIfAbsent(id, calls.client().getLeaseClient().timeToLive(id, io.etcd.jetcd.options.LeaseOption.DEFAULT));
            }
        }
        java.util.Map<Long, java.time.Instant> out = new java.util.HashMap<>();
        java.time.Instant now = java.time.Instant.now();
        for (java.util.Map.Entry<Long, java.util.concurrent.CompletableFuture<io.etcd.jetcd.lease.LeaseTimeToLiveResponse>> e : asked.entrySet()) {
            try {
                long ttl = calls.await("asking the TTL of lease " + Long.toHexString(e.getKey()), e.getValue()).getTTL();
                if (ttl >= 0) {
                    out.put(e.getKey(), now.plusSeconds(ttl));
                }
            } catch (EtcdUnavailableException ignored) {
                // unknown expiry: the table treats it as oldest
            }
        }
        return out;
    }

    void delete(String key) throws EtcdUnavailableException, InterruptedException {
        calls.await("deleting " + key, calls.client().getKVClient().delete(bytes(key)));
    }

    static StoredLease parse(KeyValue kv) throws MalformedLeaseException {
        String key = text(kv.getKey());
        String value = text(kv.getValue());
        return new StoredLease(key, LeaseJson.decode(key, value), value, kv.getLease(), kv.getModRevision());
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }
}
