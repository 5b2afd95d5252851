package io.weft.fdb.registry;

import io.weft.fdb.Lease;

/**
 * Our lease as held in etcd.
 *
 * @param key         the full etcd key
 * @param lease       what we published, with {@link Lease#expiry()} set
 * @param value       the exact JSON written (renewal checks the key still holds it)
 * @param etcdLeaseId the etcd lease (grant) the key is attached to
 * @param revision    the store revision of our last write to the key
 */
public record AcquiredLease(String key, Lease lease, String value, long etcdLeaseId, long revision) {
}
