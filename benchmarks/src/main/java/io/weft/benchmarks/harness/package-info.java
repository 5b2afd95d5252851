/**
 * The throughput harness behind {@code ./scripts/bench}: builds a two-namespace veth rig, runs iperf3 and ping
 * over plain veth, kernel VXLAN (set up as flanneld sets up {@code flannel.1}), weft in both roles and the
 * optional user-space comparisons, and reports medians, ratios to kernel VXLAN, JSON, CSV and a PNG chart.
 * Entry point: {@link io.weft.benchmarks.harness.BenchMain}. It is a tool, not a test; nothing here is asserted.
 */
package io.weft.benchmarks.harness;
