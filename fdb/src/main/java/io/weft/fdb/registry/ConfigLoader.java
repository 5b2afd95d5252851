package io.weft.fdb.registry;

import io.weft.fdb.ConfigException;
import io.weft.fdb.NetworkConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Reads {@code <prefix>/config}. While it is missing, or etcd cannot be reached, it retries (flanneld: every 1 s).
 * etcd being unreachable is reported once per report interval; a missing or unusable config once every
 * {@link #PROBLEM_REPORT_EVERY}, and at once when the problem changes, so that an operator who edits the key sees the
 * next problem or the success straight away.
 */
final class ConfigLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);
    static final String EXAMPLE = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    static final Duration PROBLEM_REPORT_EVERY = Duration.ofSeconds(30);

    private final LeaseStore store;
    private final Duration retry;
    private final LogLimiter unreachable;
    private final LogLimiter problems = new LogLimiter(PROBLEM_REPORT_EVERY);

    ConfigLoader(LeaseStore store, Duration retry, Duration reportEvery) {
        this.store = store;
        this.retry = retry;
        this.unreachable = new LogLimiter(reportEvery);
    }

    /** The message logged while the config is missing. */
    static String missingMessage(String key) {
        return "no network config at " + key + "; create it with etcdctl put " + key + " '" + EXAMPLE + "' (etcd v3 API)";
    }

    /** Waits for the config; one that fails validation ends the wait at once. */
    NetworkConfig await() throws ConfigException, InterruptedException {
        while (true) {
            NetworkConfig c = readOnce();
            if (c != null) {
                return c;
            }
            Thread.sleep(retry.toMillis());
        }
    }

    /** Waits for a valid config; an invalid one is reported and waited out. */
    NetworkConfig awaitValid() throws InterruptedException {
        String key = store.keys().configKey();
        while (true) {
            try {
                NetworkConfig c = readOnce();
                if (c != null) {
                    return c;
                }
            } catch (ConfigException e) {
                String field = e.field().isEmpty() ? "" : " (field " + e.field() + ")";
                String line = "the network config at " + key + " is invalid" + field + ": " + e.getMessage()
                        + "; still trying every " + retry.toSeconds() + " s: correct it with etcdctl put " + key + " '...'";
                if (problems.allow(line)) {
                    LOG.error(line);
                }
            }
            Thread.sleep(retry.toMillis());
        }
    }

    /** The parsed config, or null when it is missing or etcd is unreachable (both reported, rate-limited). */
    private NetworkConfig readOnce() throws ConfigException, InterruptedException {
        String key = store.keys().configKey();
        try {
            LeaseStore.Value v = store.get(key);
            if (v.kv().isPresent()) {
                NetworkConfig config = NetworkConfig.parse(LeaseStore.text(v.kv().get().getValue()));
                LOG.info("network config from {}: {}", key, config);
                return config;
            }
            if (problems.allow("missing")) {
                LOG.warn(missingMessage(key));
            }
        } catch (EtcdUnavailableException e) {
            if (unreachable.allow("unreachable")) {
                LOG.warn("cannot read {} from etcd at {}; still trying: {}", key, store.calls().endpoints(), e.getMessage());
            }
        }
        return null;
    }
}
