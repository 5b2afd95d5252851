package io.weft.fdb.registry;

import io.weft.fdb.Lease;
import io.weft.fdb.NetworkConfig;

/**
 * Our lease as {@link LeaseRegistry#acquire} took it, with what keeping it needs: the config it was taken under and
 * the request that re-takes it if it is lost. Being the result of the acquire stage, it is the proof that the stage
 * ran; {@link LeaseRegistry#startKeeping} takes it, so the stages cannot be called out of order.
 */
public record HeldLease(AcquiredLease acquired, NetworkConfig config, AcquireRequest request) {
    public String key() {
        return acquired.key();
    }

    public Lease lease() {
        return acquired.lease();
    }

    public String value() {
        return acquired.value();
    }

    public long etcdLeaseId() {
        return acquired.etcdLeaseId();
    }
}
