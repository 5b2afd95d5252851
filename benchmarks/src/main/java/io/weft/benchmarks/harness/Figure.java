package io.weft.benchmarks.harness;

/**
 * One measured quantity per path and run, stored in the unit named here.
 *
 * <p>{@code againstKernel} says whether the figure exists for kernel VXLAN too and so can be given as a ratio
 * to it; CPU and RSS are taken from the tunnel's own user-space processes, which the kernel path has none of.
 */
enum Figure {
    TCP1_FWD("tcp1_fwd_gbps", "TCP 1 stream", "Gb/s", true, true),
    TCP1_REV("tcp1_rev_gbps", "TCP 1 stream -R", "Gb/s", true, true),
    TCP4_FWD("tcp4_fwd_gbps", "TCP 4 streams", "Gb/s", true, true),
    TCP4_REV("tcp4_rev_gbps", "TCP 4 streams -R", "Gb/s", true, true),
    UDP1400_PPS("udp1400_kpps", "UDP 1400 B rcvd", "kpps", true, true),
    UDP1400_LOSS("udp1400_loss_pct", "UDP 1400 B loss", "%", false, true),
    UDP64_PPS("udp64_kpps", "UDP 64 B rcvd", "kpps", true, true),
    UDP64_LOSS("udp64_loss_pct", "UDP 64 B loss", "%", false, true),
    LATENCY_P50("latency_p50_us", "ping RTT median", "us", false, true),
    LATENCY_P99("latency_p99_us", "ping RTT p99", "us", false, true),
    CPU_PER_GB("cpu_s_per_gb", "CPU per GB (TCP)", "s/GB", false, false),
    /** Busy time of every CPU (from /proc/stat) per GB over the TCP tests: the kernel's work included, any path. */
    SYSTEM_CPU_PER_GB("system_cpu_s_per_gb", "system CPU per GB", "s/GB", false, true),
    PEAK_RSS("peak_rss_mb", "peak RSS", "MB", false, false);

    /** Column and JSON key, with the unit in it. */
    final String key;
    final String label;
    final String unit;
    final boolean higherIsBetter;
    final boolean againstKernel;

    Figure(String key, String label, String unit, boolean higherIsBetter, boolean againstKernel) {
        this.key = key;
        this.label = label;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
        this.againstKernel = againstKernel;
    }

    /** The TCP throughput figures, drawn in the chart. */
    static Figure[] tcp() {
        return new Figure[] {TCP1_FWD, TCP1_REV, TCP4_FWD, TCP4_REV};
    }
}
