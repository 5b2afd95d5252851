package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.dataplane.netns.Traffic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * iperf3 from h2's pod to h1's for {@code --soak-seconds} (600 by default), with h1's JVM looked at ({@link ChaosJvm})
 * after a warm-up of a tenth of the soak (at least 10 s: Netty's pools, the JIT and malloc's arenas have grown by
 * then), every further tenth, and at the end.
 *
 * <p>No growth trend means: at the end, RSS is at most 110% of the value after warm-up, and direct memory at most
 * 110% of it plus one 4 MiB pool chunk (Netty grows its pools a chunk at a time, so one more chunk is not a trend).
 * A leak of a single 64 KiB buffer per second would add 37 MB in ten minutes, well beyond that margin; the heap is
 * capped (-Xmx200m) so a heap leak shows as full collections, which the row prints.
 */
final class ChaosSoakTrial {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CHUNK_KB = 4096;

    private final ChaosCluster c;
    private final ChaosOptions o;

    ChaosSoakTrial(ChaosCluster c, ChaosOptions o) {
        this.c = c;
        this.o = o;
    }

    ChaosRow run() throws Exception {
        int seconds = o.soakSeconds();
        String trial = (seconds % 60 == 0 ? seconds / 60 + "-minute" : seconds + "-second") + " iperf3 soak";
        CompletableFuture<String> iperf = CompletableFuture.supplyAsync(() -> {
            try {
                return Traffic.iperf3(c.pod(1), c.pod(0), c.podIps[0], 5201, seconds, false);
            } catch (Exception e) {
                throw new IllegalStateException("iperf3: " + e.getMessage(), e);
            }
        });
        long pid = c.pid(0);
        long warmUp = Math.max(10, seconds / 10);
        Thread.sleep(warmUp * 1000);
        ChaosJvm start = ChaosJvm.of(pid);
        List<Long> rss = new ArrayList<>(List.of(start.rssKb()));
        long step = Math.max(1, (seconds - warmUp - 3) / 9);
        long elapsed = warmUp;
        while (elapsed + step < seconds - 3) {
            Thread.sleep(step * 1000);
            elapsed += step;
            rss.add(ChaosJvm.of(pid).rssKb());
        }
        Thread.sleep(Math.max(0, seconds - 3 - elapsed) * 1000);
        ChaosJvm end = ChaosJvm.of(pid);
        rss.add(end.rssKb());
        String json = iperf.get(seconds + 60L, TimeUnit.SECONDS);
        JsonNode sum = JSON.readTree(json).path("end").path("sum_received");
        double gbits = sum.path("bits_per_second").asDouble() / 1e9;

        boolean rssOk = end.rssKb() <= start.rssKb() * 1.10;
        boolean directOk = start.directKb() >= 0 && end.directKb() <= start.directKb() * 1.10 + CHUNK_KB;
        String figures = String.format(Locale.ROOT, "after warm-up (%d s) → end: RSS %s → %s, direct %s → %s, "
                        + "young GCs %d → %d, full GCs %d → %d, GC time %.2f → %.2f s; RSS samples (MB): %s; iperf3 %.2f Gbit/s",
                warmUp, ChaosJvm.mb(start.rssKb()), ChaosJvm.mb(end.rssKb()), ChaosJvm.mb(start.directKb()),
                ChaosJvm.mb(end.directKb()), start.youngGcs(), end.youngGcs(), start.fullGcs(), end.fullGcs(),
                start.gcSeconds(), end.gcSeconds(), rss.stream().map(k -> Long.toString(k / 1024)).toList(), gbits);
        return ChaosRow.checked(trial, figures, "end RSS ≤ 110% of warm-up, direct ≤ 110% + 4 MiB", rssOk && directOk);
    }
}
