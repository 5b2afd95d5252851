package io.weft.benchmarks.harness;

import java.nio.file.Path;
import java.util.List;

/**
 * How to start the user-space tunnel ends.
 *
 * @param java             the java executable for weft
 * @param weftJar          {@code dataplane/target/weft.jar}
 * @param weftJavaOptions  JVM options for weft (by default those of the systemd unit)
 * @param weftWorkers      weft's {@code --workers}; 0 leaves weft's default
 */
record TunnelSettings(String java, Path weftJar, List<String> weftJavaOptions, int weftWorkers) {
}
