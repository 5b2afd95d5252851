package io.weft.dataplane.agent;

/** {@link NatCluster} with Backend.Port 8475, as used where a provider drops or intercepts 8472. */
class NatCluster8475IT extends NatCluster {
    @Override
    int port() {
        return 8475;
    }
}
