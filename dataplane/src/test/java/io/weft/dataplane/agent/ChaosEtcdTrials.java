package io.weft.dataplane.agent;

import io.weft.labkit.etcd.EtcdServer;
import io.weft.labkit.netns.Netns;

import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The etcd trials: an outage under a pod ping, a lease added after etcd comes back, and compaction during a watch and
 * during a disconnect. They use the approach of LeaseRegistryEtcdTest ({@code etcdKilledAndRestartedMidWatch...},
 * {@code compactionDuringAWatch...}), with the real agents instead of a registry in the test's JVM.
 */
final class ChaosEtcdTrials {
    /** ResumableWatch's ceiling, for when the log did not say it (its line comes only after a missed check). */
    private static final int DEFAULT_BACKOFF_SECONDS = 5;
    private static final Pattern PROMISE = Pattern.compile("reconnecting with backoff up to (\\d+) s");

    private final ChaosCluster c;
    private final ChaosOptions o;
    private final EtcdServer etcd;

    ChaosEtcdTrials(ChaosCluster c, ChaosOptions o) {
        this.c = c;
        this.o = o;
        this.etcd = c.lab.etcd();
    }

    /** etcd killed for 60 s (10 with --quick) while h1's pod pings h2's at 20/s: forwarding must not notice. */
    ChaosRow etcdDown() throws Exception {
        int down = o.pick(60, 10);
        String trial = "etcd down " + down + " s with a pod ping at 20/s";
        ChaosPing ping = ChaosPing.start(c.pod(0), c.podIps[1], 0.05, down + 30);
        Thread.sleep(5_000);
        etcd.stop();
        Thread.sleep(down * 1000L);
        etcd.start();
        Thread.sleep(10_000);
        ChaosPing.Replies r = ping.stop();
        int sent = r.received() + r.lost();
        return ChaosRow.checked(trial, r.lost() + " of " + sent + " lost", "0 lost", r.received() > 0 && r.lost() == 0);
    }

    /**
     * etcd killed long enough for the watch's backoff to reach its ceiling, started again, then k3's lease written:
     * seconds from that put until h1's pod gets an answer from k3 through weft.
     */
    ChaosRow leaseAfterReturn() throws Exception {
        c.deleteK3Lease();
        ChaosCluster.awaitTrue("h1 drops k3's old route", 20, () -> !routes().contains(ChaosCluster.K3.subnet()));
        etcd.stop();
        Thread.sleep(o.pick(20, 8) * 1000L);
        long starting = System.nanoTime();
        etcd.start();
        double healthy = (System.nanoTime() - starting) / 1e9;
        ChaosPing ping = ChaosPing.start(c.pod(0), ChaosCluster.K3.vtepIp(), 0.05, 60, 1);
        double put = System.currentTimeMillis() / 1000.0;
        c.putK3Lease();
        ChaosPing.Replies r = ping.await(70);
        double seconds = r.firstReply() - put;
        Matcher m = PROMISE.matcher(c.log(0));
        boolean logged = m.find();
        int promised = logged ? Integer.parseInt(m.group(1)) : DEFAULT_BACKOFF_SECONDS;
        String said = logged ? "the log's promise" : "ResumableWatch's ceiling";
        String figures = Double.isNaN(seconds) ? "never forwarded within 60 s"
                : String.format(Locale.ROOT, "%.2f s from the put to the first reply from k3 (the put came as soon as "
                + "etcd answered, %.1f s after its start)", seconds, healthy);
        return ChaosRow.checked("etcd down, then a lease added after it comes back", figures,
                "≤ " + promised + " s (" + said + ")", !Double.isNaN(seconds) && seconds <= promised);
    }

    /**
     * Fake leases changed and compacted while the agents watch; then h1 cut off from etcd (its connection reset, new
     * ones refused), etcd restarted, leases changed and compacted, h1 let back in. Both times every agent's routes
     * must be the leases in etcd, and h1 must have re-read the store after the compaction.
     */
    ChaosRow compaction() throws Exception {
        String trial = "compaction during a watch and during a disconnect";
        for (int i = 1; i <= 20; i++) {
            putFake(i);
        }
        for (int i = 1; i <= 10; i++) {
            deleteFake(i);
        }
        etcd.compact();
        for (int i = 21; i <= 25; i++) {
            putFake(i);
        }
        etcd.compact();
        boolean duringWatch = tablesMatch(20);

        Netns h1 = c.host(0);
        String[] reject = {"OUTPUT", "-p", "tcp", "-d", AgentLab.ETCD_IP, "--dport", Integer.toString(AgentLab.ETCD_PORT),
                "-j", "REJECT", "--reject-with", "tcp-reset"};
        h1.exec(20, concat("iptables", "-I", reject)).requireOk();
        boolean duringDisconnect;
        try {
            etcd.restart();
            for (int i = 11; i <= 15; i++) {
                deleteFake(i);
            }
            for (int i = 26; i <= 30; i++) {
                putFake(i);
            }
            etcd.compact();
            Thread.sleep(2_000);
        } finally {
            h1.exec(20, concat("iptables", "-D", reject)).requireOk();
        }
        duringDisconnect = tablesMatch(30);
        boolean relisted = c.log(0).contains("etcd compacted the history");
        c.lab.etcdctl("del", ChaosCluster.SUBNETS + "10.254.", "--prefix").requireOk();
        String figures = "during a watch: " + (duringWatch ? "right" : "WRONG") + "; during a disconnect: "
                + (duringDisconnect ? "right" : "WRONG") + (relisted ? " (h1 re-read the store after the compaction)"
                : " (h1 did not log a re-read after the compaction)");
        return ChaosRow.checked(trial, figures, "right both times", duringWatch && duringDisconnect && relisted);
    }

    /** Waits (bounded) until both agents route exactly the leases etcd holds. */
    private boolean tablesMatch(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (c.routedPeers(0).equals(c.leasesBut(0)) && c.routedPeers(1).equals(c.leasesBut(1))) {
                    return true;
                }
            } catch (Exception e) {
                // an agent's CLI did not answer this time: ask again
            }
            Thread.sleep(500);
        }
        return false;
    }

    private TreeSet<String> routes() {
        try {
            return c.routedPeers(0);
        } catch (Exception e) {
            return new TreeSet<>();
        }
    }

    private void putFake(int i) {
        c.lab.etcdctl("put", ChaosCluster.SUBNETS + "10.254." + i + ".0-24",
                ChaosCluster.leaseValue("172.17.0." + i, String.format("0e:2c:00:00:00:%02x", i))).requireOk();
    }

    private void deleteFake(int i) {
        c.lab.etcdctl("del", ChaosCluster.SUBNETS + "10.254." + i + ".0-24").requireOk();
    }

    private static String[] concat(String cmd, String op, String[] rest) {
        String[] out = new String[rest.length + 2];
        out[0] = cmd;
        out[1] = op;
        System.arraycopy(rest, 0, out, 2, rest.length);
        return out;
    }
}
