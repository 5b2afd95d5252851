package io.weft.fdb.registry;

import io.weft.fdb.Lease;

/**
 * A lease as read from etcd.
 *
 * @param key         the full etcd key
 * @param lease       the parsed lease (expiry unknown: null)
 * @param value       the raw value, to compare with what we wrote
 * @param etcdLeaseId the etcd lease attached to the key, 0 for none
 * @param modRevision the revision of the last write to the key
 */
public record StoredLease(String key, Lease lease, String value, long etcdLeaseId, long modRevision) {
}
