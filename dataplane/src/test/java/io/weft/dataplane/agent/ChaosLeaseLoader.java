package io.weft.dataplane.agent;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Writes {@code count} flanneld-style vxlan leases into etcd as fast as etcd takes them (500 puts in flight), for
 * the 10,000-lease trial; run inside the switch namespace, where etcd listens. Subnets {@code 10.(128+i/256).(i%256).0/24},
 * skipping those given as taken; public IPs {@code 172.16.x.y}, which no host routes (so weft's probes of them fail at
 * once instead of flooding the bridge with ARP). Prints the epoch millisecond of the first put, then "done".
 *
 * <p>Arguments: etcd URL, count, taken subnets (e.g. {@code 10.130.4.0/24}).
 */
public final class ChaosLeaseLoader {
    private ChaosLeaseLoader() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int count = Integer.parseInt(args[1]);
        Set<String> taken = new HashSet<>(List.of(args).subList(2, args.length));
        try (Client client = Client.builder().endpoints(url).build()) {
            KV kv = client.getKVClient();
            List<CompletableFuture<?>> inFlight = new ArrayList<>();
            int written = 0;
            System.out.println("first-put " + System.currentTimeMillis());
            for (int i = 0; written < count; i++) {
                String subnet = "10." + (128 + i / 256) + "." + (i % 256) + ".0";
                if (taken.contains(subnet + "/24")) {
                    continue;
                }
                String value = "{\"PublicIP\":\"172.16." + (i / 256) + "." + (i % 256) + "\",\"PublicIPv6\":null,"
                        + "\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0e:2b:00:00:"
                        + String.format("%02x:%02x", (i >> 8) & 0xFF, i & 0xFF) + "\"}}";
                inFlight.add(kv.put(bytes("/coreos.com/network/subnets/" + subnet + "-24"), bytes(value)));
                written++;
                if (inFlight.size() == 500) {
                    CompletableFuture.allOf(inFlight.toArray(new CompletableFuture[0])).get();
                    inFlight.clear();
                }
            }
            CompletableFuture.allOf(inFlight.toArray(new CompletableFuture[0])).get();
            System.out.println("done " + System.currentTimeMillis());
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
