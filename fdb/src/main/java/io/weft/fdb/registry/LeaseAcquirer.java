package io.weft.fdb.registry;

import io.weft.fdb.Lease;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Takes a subnet lease the way flanneld does (reference §1.7): reuse the lease that carries our PublicIP if it
 * still fits the config (else delete it); otherwise the previous subnet from subnet.env if it is free and in range;
 * otherwise a random one of the first 100 free subnets. The key is created with
 * {@code If(Version(key)==0) Then(Put(key, value, lease))} on a fresh grant.
 */
final class LeaseAcquirer {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseAcquirer.class);

    private final LeaseStore store;
    private final Duration ttl;
    private final int raceRetries;
    private final RandomGenerator random;

    LeaseAcquirer(LeaseStore store, Duration ttl, int raceRetries, RandomGenerator random) {
        this.store = store;
        this.ttl = ttl;
        this.raceRetries = raceRetries;
        this.random = random;
    }

    AcquiredLease acquire(NetworkConfig config, AcquireRequest request)
            throws SubnetsExhaustedException, EtcdUnavailableException, InterruptedException {
        // flanneld gives up after one lost race ("subnet already exists") and relies on being restarted; a lost race
        // only means another node took that subnet first, so weft lists again and tries another, a bounded number of times.
        for (int attempt = 1; attempt <= raceRetries; attempt++) {
            LeaseStore.Listing listing = store.list();
            Optional<AcquiredLease> reused = reuseOwn(config, request, listing);
            if (reused.isPresent()) {
                return reused.get();
            }
            SubnetKey chosen = choose(config, request, listing);
            Lease lease = ours(chosen, request);
            String key = store.keys().keyOf(chosen);
            String value = LeaseJson.encode(lease);
            LeaseStore.Grant grant = store.grant(ttl);
            long revision = store.createIfAbsent(key, value, grant.id());
            if (revision > 0) {
                LOG.info("acquired subnet lease {} (etcd lease {}, expires {})", key, Long.toHexString(grant.id()), grant.expiry());
                return new AcquiredLease(key, lease.withExpiry(grant.expiry()), value, grant.id(), revision);
            }
            store.revoke(grant.id());
            LOG.info("subnet {} was taken by another node at the same moment; trying another ({} of {})",
                    chosen, attempt, raceRetries);
            request = request.withoutPrevious();
        }
        throw new SubnetsExhaustedException("lost the race for a free subnet " + raceRetries + " times in a row under "
                + store.keys().subnetsPrefix() + "; many nodes are starting at once, weft will try again");
    }

    /** Creates exactly {@code key} again (our key was deleted); -1 revision if someone else holds it now. */
    Optional<AcquiredLease> recreate(SubnetKey subnets, Lease lease) throws EtcdUnavailableException, InterruptedException {
        String key = store.keys().keyOf(subnets);
        String value = LeaseJson.encode(lease);
        LeaseStore.Grant grant = store.grant(ttl);
        long revision = store.createIfAbsent(key, value, grant.id());
        if (revision < 0) {
            store.revoke(grant.id());
            return Optional.empty();
        }
        return Optional.of(new AcquiredLease(key, lease.withExpiry(grant.expiry()), value, grant.id(), revision));
    }

    private Optional<AcquiredLease> reuseOwn(NetworkConfig config, AcquireRequest request, LeaseStore.Listing listing)
            throws EtcdUnavailableException, InterruptedException {
        for (StoredLease s : listing.leases()) {
            if (!isOurs(config, request, s.lease())) {
                continue;
            }
            SubnetKey subnets = new SubnetKey(s.lease().subnet(), s.lease().ipv6Subnet());
            if (!fits(config, subnets)) {
                LOG.info("found lease {} for our {} but it does not fit the network config; deleting it",
                        s.key(), ourAddress(config, request));
                store.delete(s.key());
                continue;
            }
            Lease lease = ours(subnets, request);
            String value = LeaseJson.encode(lease);
            LeaseStore.Grant grant = store.grant(ttl);
            // A plain Put, as flanneld does: the key is ours by PublicIP whatever it holds now.
            long revision = store.put(s.key(), value, grant.id());
            if (s.etcdLeaseId() != 0 && s.etcdLeaseId() != grant.id()) {
                // flanneld leaves the old grant to expire; nothing else is attached to it, so release it now.
                revokeQuietly(s.etcdLeaseId());
            }
            LOG.info("reusing subnet lease {} that carries our {}", s.key(), ourAddress(config, request));
            return Optional.of(new AcquiredLease(s.key(), lease.withExpiry(grant.expiry()), value, grant.id(), revision));
        }
        return Optional.empty();
    }

    /**
     * flanneld finds its lease from an earlier run by PublicIP. An IPv6-only network has no PublicIP (0.0.0.0 for
     * every node), so there weft goes by PublicIPv6 instead; flanneld has no such case because its etcd mode cannot
     * run IPv6-only (its allocator finds no free 0.0.0.0/0 once one node holds it).
     */
    private static boolean isOurs(NetworkConfig config, AcquireRequest request, Lease lease) {
        if (!config.enableIpv4()) {
            return request.publicIpv6() != null && request.publicIpv6().equals(lease.publicIpv6());
        }
        return !request.publicIp().isAnyLocalAddress() && request.publicIp().equals(lease.publicIp());
    }

    private static String ourAddress(NetworkConfig config, AcquireRequest request) {
        return config.enableIpv4() ? "PublicIP " + Subnet.formatAddress(request.publicIp())
                : "PublicIPv6 " + Subnet.formatAddress(request.publicIpv6());
    }

    private SubnetKey choose(NetworkConfig config, AcquireRequest request, LeaseStore.Listing listing)
            throws SubnetsExhaustedException {
        List<Subnet> takenV4 = new ArrayList<>();
        List<Subnet> takenV6 = new ArrayList<>();
        for (StoredLease s : listing.leases()) {
            takenV4.add(s.lease().subnet());
            if (s.lease().ipv6Subnet() != null) {
                takenV6.add(s.lease().ipv6Subnet());
            }
        }
        // Keys that did not parse still occupy their subnet if the key itself parses.
        for (MalformedLeaseException m : listing.malformed()) {
            try {
                SubnetKey k = LeaseKeys.parse(m.key());
                takenV4.add(k.v4());
                if (k.v6() != null) {
                    takenV6.add(k.v6());
                }
            } catch (IllegalArgumentException unparsable) {
                // A key that names no subnet holds none; one whose IPv6 half alone is broken still holds its IPv4 one.
                Subnet v4 = LeaseKeys.ipv4PartOf(m.key());
                if (v4 != null) {
                    takenV4.add(v4);
                }
            }
        }
        Subnet prev = request.previousSubnet();
        Subnet prev6 = request.previousIpv6Subnet();
        boolean prevUsable = config.enableIpv4() ? prev != null && config.inRange(prev) && free(prev, takenV4)
                : prev6 != null;
        if (config.enableIpv6()) {
            prevUsable &= prev6 != null && config.inRange(prev6) && free(prev6, takenV6);
        }
        if (prevUsable) {
            LOG.info("reusing the previous subnet {} from subnet.env", config.enableIpv4() ? prev : prev6);
            return new SubnetKey(config.enableIpv4() ? prev : NO_V4, config.enableIpv6() ? prev6 : null);
        }
        if (prev != null || prev6 != null) {
            LOG.info("the previous subnet {} from subnet.env is taken or outside the network config; choosing another",
                    prev != null ? prev : prev6);
        }
        Subnet v4 = NO_V4;
        if (config.enableIpv4()) {
            v4 = SubnetAllocator.pick(config.subnetMin(), config.subnetMax(), takenV4, random)
                    .orElseThrow(() -> exhausted("", config.network(), config.subnetMin(), config.subnetMax(), takenV4.size()));
        }
        Subnet v6 = null;
        if (config.enableIpv6()) {
            v6 = SubnetAllocator.pick(config.ipv6SubnetMin(), config.ipv6SubnetMax(), takenV6, random)
                    .orElseThrow(() -> exhausted("IPv6", config.ipv6Network(), config.ipv6SubnetMin(),
                            config.ipv6SubnetMax(), takenV6.size()));
        }
        return new SubnetKey(v4, v6);
    }

    /** flannel's IPv4 part of an IPv6-only network's key: {@code 0.0.0.0-0}. */
    static final Subnet NO_V4 = Subnet.ofV4(0, 0);

    private static boolean fits(NetworkConfig config, SubnetKey k) {
        boolean v4 = config.enableIpv4() ? config.inRange(k.v4()) : k.v4().equals(NO_V4);
        boolean v6 = config.enableIpv6() ? config.inRange(k.v6()) : k.v6() == null;
        return v4 && v6;
    }

    private static boolean free(Subnet s, List<Subnet> taken) {
        return taken.stream().noneMatch(t -> t != null && t.overlaps(s));
    }

    private static SubnetsExhaustedException exhausted(String family, Subnet network, Subnet min, Subnet max, int leases) {
        String p = family.isEmpty() ? "" : family;
        return new SubnetsExhaustedException("no free " + (p.isEmpty() ? "" : p + " ") + "subnet in [" + p + "SubnetMin "
                + min + ", " + p + "SubnetMax " + max + "] of " + p + "Network " + network + ": " + leases
                + " leases hold them all. Remove stale leases (etcdctl get --prefix <prefix>/subnets) or widen the range "
                + "in the network config");
    }

    static Lease ours(SubnetKey k, AcquireRequest r) {
        return new Lease(k.v4(), r.publicIp(), k.v6(), k.v6() == null ? null : r.publicIpv6(), Lease.VXLAN,
                r.backendData(), k.v6() == null ? null : r.backendV6Data(), null);
    }

    private void revokeQuietly(long id) throws InterruptedException {
        try {
            store.revoke(id);
        } catch (EtcdUnavailableException e) {
            LOG.warn("could not revoke the replaced etcd lease {} (it will expire by itself): {}", Long.toHexString(id), e.getMessage());
        }
    }
}
