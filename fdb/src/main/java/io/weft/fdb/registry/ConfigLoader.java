package io.weft.fdb.registry;

import io.weft.fdb.ConfigException;
import io.weft.fdb.NetworkConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Reads {@code <prefix>/config}. While it is missing, or etcd cannot be reached, it retries (flanneld: every 1 s)
 * and says so at most once per report interval; a config that fails validation ends the wait at once with
 * {@link NetworkConfig}'s message.
 */
final class ConfigLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);
    static final String EXAMPLE = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";

    private final LeaseStore store;
    private final Duration retry;
    private final LogLimiter limiter;

    ConfigLoader(LeaseStore store, Duration retry, Duration reportEvery) {
        this.store = store;
        this.retry = retry;
        this.limiter = new LogLimiter(reportEvery);
    }

    /** The message logged while the config is missing. */
    static String missingMessage(String key) {
        return "no network config at " + key + "; create it with etcdctl put " + key + " '" + EXAMPLE + "' (etcd v3 API)";
    }

    NetworkConfig await() throws ConfigException, InterruptedException {
        String key = store.keys().configKey();
        while (true) {
            try {
                LeaseStore.Value v = store.get(key);
                if (v.kv().isPresent()) {
                    NetworkConfig config = NetworkConfig.parse(LeaseStore.text(v.kv().get().getValue()));
                    LOG.info("network config from {}: {}", key, config);
                    return config;
                }
                if (limiter.allow("missing")) {
                    LOG.warn(missingMessage(key));
                }
            } catch (EtcdUnavailableException e) {
                if (limiter.allow("unreachable")) {
                    LOG.warn("cannot read {} from etcd at {}; still trying: {}", key, store.calls().endpoints(), e.getMessage());
                }
            }
            Thread.sleep(retry.toMillis());
        }
    }
}
