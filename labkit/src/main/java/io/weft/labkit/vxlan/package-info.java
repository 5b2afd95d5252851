/**
 * The two kinds of VXLAN endpoint a lab runs: a kernel device programmed as flanneld programs flannel.1, and weft's
 * data plane with static peers ({@code io.weft.dataplane.lab.StaticDataPlaneMain}) driven over its line protocol.
 */
package io.weft.labkit.vxlan;
