package io.weft.dataplane.cli;

import picocli.CommandLine.Option;

/**
 * The klog flags a flanneld command line may carry. flanneld v0.28 takes {@code -v}, {@code -vmodule} and
 * {@code -log_backtrace_at}; releases that logged with glog on Go's default flag set also took {@code -logtostderr},
 * {@code -alsologtostderr} and {@code -stderrthreshold}, and old unit files still pass them. weft maps {@code -v}
 * (1 or more: debug) and accepts the rest: it always logs to stderr (journald under systemd), which is what
 * flanneld forces with {@code logtostderr=true}; per-file verbosity and backtraces have no counterpart in Java logging.
 */
final class KlogOptions {
    @Option(names = {"-v", "--v"}, defaultValue = "0", paramLabel = "LEVEL",
            description = "log verbosity as flanneld's -v: 0 info, 1 or more debug")
    int verbosity;

    @Option(names = {"-vmodule", "--vmodule"}, hidden = true, description = "klog per-file verbosity: accepted, no effect")
    String vmodule;

    @Option(names = {"-log_backtrace_at", "--log_backtrace_at"}, hidden = true,
            description = "klog backtrace point: accepted, no effect")
    String logBacktraceAt;

    @Option(names = {"-logtostderr", "--logtostderr"}, hidden = true, arity = "0..1", fallbackValue = "true",
            description = "klog: weft always logs to stderr")
    boolean logToStderr;

    @Option(names = {"-alsologtostderr", "--alsologtostderr"}, hidden = true, arity = "0..1", fallbackValue = "true",
            description = "klog: weft always logs to stderr")
    boolean alsoLogToStderr;

    @Option(names = {"-stderrthreshold", "--stderrthreshold"}, hidden = true,
            description = "klog: with logs on stderr (as flanneld forces) every level reaches it; accepted, no effect")
    String stderrThreshold;
}
