package io.weft.dataplane.doctor;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.weft.fdb.ConfigException;
import io.weft.fdb.Lease;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.EtcdClients;
import io.weft.fdb.registry.EtcdOptions;
import io.weft.fdb.registry.EtcdRefusal;
import io.weft.fdb.registry.LeaseJson;
import io.weft.fdb.registry.LeaseKeys;
import io.weft.fdb.registry.MalformedLeaseException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * etcd: reachable, the network config valid, and the state of our lease, found by our PublicIP, or by our PublicIPv6
 * on an IPv6-only network (whose leases all carry the PublicIP 0.0.0.0): who we are depends on the config.
 */
public final class EtcdChecks {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private EtcdChecks() {
    }

    /**
     * What the etcd checks found; {@code config} is null when it could not be read, {@code leases} holds every lease
     * that parses, and {@code ourSubnet} and {@code ourIpv6Subnet} are the subnets of the lease carrying our
     * address, or null ({@code ourSubnet} is null for an IPv6-only lease's placeholder {@code 0.0.0.0/0}).
     */
    public record Result(List<Finding> findings, NetworkConfig config, List<Lease> leases, Subnet ourSubnet,
                         Subnet ourIpv6Subnet) {
        Result(List<Finding> findings) {
            this(findings, null, List.of(), null, null);
        }
    }

    /** Who we are in etcd, once the network config is known (it says which address family to look by). */
    interface OwnerLookup {
        /** How our lease is found for this config, or null when our address is unknown. */
        LeaseOwner of(NetworkConfig config) throws InterruptedException;
    }

    /** As {@link #check(EtcdOptions, OwnerLookup, boolean)} for a host known by its PublicIP, whatever the config. */
    public static Result check(EtcdOptions options, String publicIp, boolean agentRunning) {
        LeaseOwner owner = LeaseOwner.byPublicIp(publicIp);
        return check(options, config -> owner, agentRunning);
    }

    /**
     * @param whoWeAre     how to find our lease once the config is read; called at most once
     * @param agentRunning whether a weft agent runs here (then a missing lease is a failure)
     */
    static Result check(EtcdOptions options, OwnerLookup whoWeAre, boolean agentRunning) {
        List<Finding> out = new ArrayList<>();
        LeaseKeys keys = new LeaseKeys(options.prefix());
        Client client;
        try {
            client = EtcdClients.create(options);
        } catch (RuntimeException e) {
            out.add(Finding.fail("etcd", "cannot set up the etcd client: " + e.getMessage(),
                    "check -etcd-cafile, -etcd-certfile and -etcd-keyfile"));
            return new Result(out);
        }
        try {
            GetResponse cfg = await(client.getKVClient().get(bytes(keys.configKey())));
            out.add(Finding.ok("etcd", "etcd at " + options.endpointsText() + " answers"));
            if (cfg.getKvs().isEmpty()) {
                out.add(Finding.fail("network-config", "there is no network config at " + keys.configKey(),
                        "etcdctl put " + keys.configKey() + " '{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}'"));
                return new Result(out);
            }
            NetworkConfig config;
            try {
                config = NetworkConfig.parse(cfg.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
            } catch (ConfigException e) {
                out.add(Finding.fail("network-config", keys.configKey() + " is invalid: " + e.getMessage(),
                        "correct it with etcdctl put " + keys.configKey() + " '...'"));
                return new Result(out);
            }
            out.add(Finding.ok("network-config", LeaseChecks.networks(config, ", ") + ", VNI " + config.backend().vni()
                    + ", UDP port " + config.backend().effectivePort()
                    + (config.backend().mtu() > 0 ? ", MTU " + config.backend().mtu() : "")));
            LeaseOwner owner = whoWeAre.of(config);
            GetResponse all = await(client.getKVClient().get(bytes(keys.subnetsPrefix()),
                    GetOption.builder().isPrefix(true).build()));
            List<Lease> leases = new ArrayList<>();
            for (KeyValue kv : all.getKvs()) {
                try {
                    leases.add(LeaseJson.decode(kv.getKey().toString(StandardCharsets.UTF_8),
                            kv.getValue().toString(StandardCharsets.UTF_8)));
                } catch (MalformedLeaseException | RuntimeException ignored) {
                    // the agent logs broken leases; they are nobody's route
                }
            }
            out.add(ourLease(client, all, owner, agentRunning));
            Lease ours = ownLease(leases, owner);
            return new Result(out, config, leases, ours == null ? null : realV4(ours.subnet()),
                    ours == null ? null : ours.ipv6Subnet());
        } catch (ExecutionException | TimeoutException e) {
            Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            Finding refused = refusal(options, keys, c);
            if (refused != null) {
                out.add(refused);
                return new Result(out);
            }
            out.add(Finding.fail("etcd", "etcd at " + options.endpointsText() + " does not answer within "
                            + TIMEOUT.toSeconds() + " s (" + (c.getMessage() == null ? c.toString() : c.getMessage()) + ")",
                    "check -etcd-endpoints (and the TLS flags), that etcd runs, and that this host can reach it:"
                            + " ETCDCTL_API=3 etcdctl --endpoints " + options.endpointsText() + " endpoint health"));
            return new Result(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.add(Finding.info("etcd", "interrupted"));
            return new Result(out);
        } finally {
            client.close();
        }
    }

    private static Finding ourLease(Client client, GetResponse all, LeaseOwner owner, boolean agentRunning)
            throws ExecutionException, TimeoutException, InterruptedException {
        if (owner == null) {
            return Finding.info("lease", "our PublicIP (our PublicIPv6 on an IPv6-only network) is unknown (no"
                    + " interface was chosen), so our lease was not looked up");
        }
        List<String> ours = new ArrayList<>();
        KeyValue found = null;
        for (KeyValue kv : all.getKvs()) {
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            try {
                Lease l = LeaseJson.decode(key, kv.getValue().toString(StandardCharsets.UTF_8));
                if (owner.holds(l)) {
                    ours.add(key);
                    found = kv;
                }
            } catch (MalformedLeaseException | RuntimeException ignored) {
                // someone else's broken lease: not ours
            }
        }
        int total = all.getKvs().size();
        if (found == null) {
            if (agentRunning) {
                return Finding.fail("lease", "weft runs, but none of the " + total + " leases in etcd carries our "
                        + owner.describe(), "check weft's log ('journalctl -u weft'); restart weft to take a lease again");
            }
            return Finding.info("lease", "no lease carries our " + owner.describe() + " yet (" + total
                    + " lease(s) in etcd); 'weft run' takes one");
        }
        String key = found.getKey().toString(StandardCharsets.UTF_8);
        long ttl = found.getLease() == 0 ? -1
                : await(client.getLeaseClient().timeToLive(found.getLease(), LeaseOption.DEFAULT)).getTTL();
        if (ours.size() > 1) {
            return Finding.warn("lease", ours.size() + " leases carry our " + owner.describe() + ": " + String.join(", ", ours)
                    + "; peers prefer the one that expires last", "delete the stale ones with etcdctl del <key>");
        }
        if (ttl < 0) {
            return Finding.warn("lease", "our lease " + key + " has no etcd lease attached (a reservation?), so it never expires",
                    "nothing, if it was reserved on purpose");
        }
        return Finding.ok("lease", "our lease " + key + " (" + owner.describe() + ") expires in "
                + Duration.ofSeconds(ttl).toString().substring(2).toLowerCase() + " unless renewed");
    }

    /**
     * etcd answered but refused us: name what to fix (the username and password, or the user's role), not the
     * endpoints and TLS, which evidently work. Null for any other failure.
     */
    static Finding refusal(EtcdOptions options, LeaseKeys keys, Throwable failure) {
        String said = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        String user = options.username();
        return switch (EtcdRefusal.of(failure)) {
            case CREDENTIALS -> user == null || user.isEmpty()
                    ? Finding.fail("etcd-auth", "etcd at " + options.endpointsText() + " requires a user, and no"
                            + " -etcd-username is set (" + said + ")", "give -etcd-username and -etcd-password")
                    : Finding.fail("etcd-auth", "etcd at " + options.endpointsText() + " refused the username \"" + user
                            + "\" with the password given (" + said + ")", "check -etcd-username and -etcd-password"
                            + " (the password is not shown); try them with: etcdctl --endpoints "
                            + options.endpointsText() + " --user " + user + " get " + keys.configKey());
            case PERMISSION -> Finding.fail("etcd-auth", "etcd at " + options.endpointsText() + " accepted the user \""
                    + user + "\" but it may not read " + options.prefix() + " (" + said + ")", "grant the user a role"
                    + " with readwrite on the prefix: etcdctl role grant-permission <role> --prefix=true readwrite "
                    + options.prefix());
            case NONE -> null;
        };
    }

    /** The lease carrying our address (the one met last if several do), or null. */
    private static Lease ownLease(List<Lease> leases, LeaseOwner owner) {
        Lease found = null;
        for (Lease l : leases) {
            if (owner != null && owner.holds(l)) {
                found = l;
            }
        }
        return found;
    }

    /** {@code s}, or null for flannel's IPv6-only placeholder {@code 0.0.0.0/0}, which is nobody's IPv4 subnet. */
    static Subnet realV4(Subnet s) {
        return s == null || s.prefixLength() == 0 ? null : s;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f)
            throws ExecutionException, TimeoutException, InterruptedException {
        try {
            return f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            f.cancel(true);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
