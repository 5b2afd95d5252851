package io.weft.fdb.registry;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.weft.fdb.Lease;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What etcd hands weft is anyone's bytes: lease keys and values written by flanneld, by hand, or by a broken tool.
 * Properties: nothing but the parser's own "malformed" error escapes, and what parses survives a round trip through
 * weft's own encoding unchanged. Regression mode runs the corpus under {@code RegistryParsersFuzzTestInputs};
 * {@code scripts/fuzz} mutates it.
 */
class RegistryParsersFuzzTest {

    /** The input's first line is the etcd key, the rest its value. */
    @FuzzTest
    void leaseJson(byte[] input) throws MalformedLeaseException {
        String text = new String(input, StandardCharsets.UTF_8);
        int nl = text.indexOf('\n');
        String key = nl < 0 ? "/coreos.com/network/subnets/10.244.1.0-24" : text.substring(0, nl);
        String value = nl < 0 ? text : text.substring(nl + 1);
        Lease lease;
        try {
            lease = LeaseJson.decode(key, value);
        } catch (MalformedLeaseException e) {
            assertThat(e.getMessage()).as("a malformed lease names its key").contains(key);
            return;
        }
        Lease again = LeaseJson.decode(key, LeaseJson.encode(lease));
        assertThat(again.sameAttributes(lease)).as("decode(encode(lease)) of %s", value).isTrue();
    }

    @FuzzTest
    void subnetKey(byte[] input) {
        String key = new String(input, StandardCharsets.UTF_8);
        SubnetKey parsed;
        try {
            parsed = LeaseKeys.parse(key);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(LeaseKeys.parse(parsed.text())).isEqualTo(parsed);
        assertThat(new LeaseKeys("/coreos.com/network").keyOf(parsed)).endsWith("/subnets/" + parsed.text());
    }
}
