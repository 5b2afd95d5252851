package io.weft.dataplane.agent;

import io.weft.labkit.process.Cmd;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * 10,000 leases (1,000 with --quick) written into etcd at once ({@link ChaosLeaseLoader}, in the switch namespace):
 * seconds from the first put until h1's table holds them all ({@code weft_table_peers}), then, with them all in
 * place, seconds from k3's lease being put until h1's pod gets an answer from k3, and h1's RSS before and after.
 * It reports figures; nothing is allowed or refused. It runs last: the leases stay until the lab is gone.
 */
final class ChaosScaleTrial {
    private final ChaosCluster c;
    private final ChaosOptions o;

    ChaosScaleTrial(ChaosCluster c, ChaosOptions o) {
        this.c = c;
        this.o = o;
    }

    ChaosRow run() throws Exception {
        int count = o.pick(10_000, 1_000);
        String trial = String.format("%,d leases", count);
        c.deleteK3Lease();
        ChaosCluster.awaitTrue("h1's table without k3", 30,
                () -> ChaosCluster.metric(c.metrics(0), "weft_table_peers") == 1);
        long rssBefore = ChaosJvm.of(c.pid(0)).rssKb();
        List<String> cmd = ChaosCluster.javaMain(ChaosLeaseLoader.class, AgentLab.ETCD_URL, Integer.toString(count),
                c.subnet(0), c.subnet(1), ChaosCluster.K3.subnet());
        Process loader = new ProcessBuilder(c.lab.sw.wrap(cmd)).redirectErrorStream(true).start();
        double firstPut;
        double loaded;
        double done = Double.NaN;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(loader.getInputStream()))) {
            String first = out.readLine();
            if (first == null || !first.startsWith("first-put ")) {
                throw new IllegalStateException("the lease loader did not start: " + first);
            }
            firstPut = Long.parseLong(first.substring("first-put ".length())) / 1000.0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            while (ChaosCluster.metric(c.metrics(0), "weft_table_peers") < count + 1) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("h1's table did not reach " + count + " leases within 600 s");
                }
                // Once a second: with 10,000 peers the metrics page is large, and a busier poll would slow the load it times.
                Thread.sleep(1000);
            }
            loaded = System.currentTimeMillis() / 1000.0 - firstPut;
            if (loader.waitFor(120, TimeUnit.SECONDS)) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("done ")) {
                        done = Long.parseLong(line.substring(5)) / 1000.0 - firstPut;
                    }
                }
            }
        } finally {
            Cmd.kill(loader);
        }
        ChaosPing ping = ChaosPing.start(c.pod(0), ChaosCluster.K3.vtepIp(), 0.05, 60, 1);
        double put = System.currentTimeMillis() / 1000.0;
        c.putK3Lease();
        double forwarded = ping.await(70).firstReply() - put;
        long rssAfter = ChaosJvm.of(c.pid(0)).rssKb();
        String figures = String.format(Locale.ROOT, "all in h1's table %.1f s after the first put (etcd had them after %.1f s); "
                        + "one more lease forwarded to %s after its put; h1's RSS %s → %s",
                loaded, done, Double.isNaN(forwarded) ? "never (60 s)" : String.format(Locale.ROOT, "%.2f s", forwarded),
                ChaosJvm.mb(rssBefore), ChaosJvm.mb(rssAfter));
        return ChaosRow.reported(trial, figures);
    }
}
