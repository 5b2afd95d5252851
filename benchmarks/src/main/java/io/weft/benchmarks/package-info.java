/** JMH microbenchmarks for the wire codecs and the forwarding table. */
package io.weft.benchmarks;
