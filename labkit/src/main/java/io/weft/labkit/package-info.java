/**
 * The network-namespace lab the tests and the benchmarks share, as Netty's testsuite is shared: processes
 * ({@link io.weft.labkit.process}), namespaces, underlays and NAT gateways ({@link io.weft.labkit.netns}), the two
 * kinds of VXLAN endpoint, a kernel device programmed as flanneld programs it and weft's static data plane
 * ({@link io.weft.labkit.vxlan}), and a real etcd with test certificates ({@link io.weft.labkit.etcd}). It depends on
 * nothing of weft: weft runs as a process, so every module's tests can use the kit without a cycle.
 */
package io.weft.labkit;
