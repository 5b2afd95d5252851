package io.weft.dataplane.agent;

/** {@link NatCluster} on flannel's default port, 8472. */
class NatCluster8472IT extends NatCluster {
    @Override
    int port() {
        return 0;
    }
}
