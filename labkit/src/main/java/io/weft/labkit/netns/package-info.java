/**
 * Network namespaces and the wiring between them: a veth underlay between two hosts, a switch that hosts are cabled
 * to, and a host behind its own 1:1 NAT gateway.
 */
package io.weft.labkit.netns;
