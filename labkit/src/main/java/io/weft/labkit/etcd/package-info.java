/** A real etcd for tests, on loopback or inside a lab namespace, and a throw-away PKI for its TLS. */
package io.weft.labkit.etcd;
