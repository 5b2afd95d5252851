package io.weft.dataplane.agent;

import io.weft.fdb.Subnet;
import io.weft.fdb.kube.KubeSettings;
import io.weft.fdb.kube.KubeSubnetRegistry;

import java.net.Inet4Address;
import java.net.InetAddress;

/** The start-up steps of {@code -kube-subnet-mgr} that can fail, each turned into one line for the user. */
final class KubeMode {
    private KubeMode() {
    }

    static KubeSubnetRegistry connect(AgentSettings settings) throws AgentException {
        try {
            return KubeSubnetRegistry.connect(settings.kube(), KubeSettings.defaults(), System.getenv());
        } catch (IllegalArgumentException e) {
            throw new AgentException(e.getMessage());
        }
    }

    static Inet4Address parsePublicIp(KubeSubnetRegistry kube, String text) throws AgentException {
        InetAddress a;
        try {
            a = Subnet.parseAddress(text);
        } catch (IllegalArgumentException e) {
            throw new AgentException("annotation " + kube.nodePublicIpAnnotation() + ": " + e.getMessage());
        }
        if (!(a instanceof Inet4Address v4)) {
            throw new AgentException("annotation " + kube.nodePublicIpAnnotation() + " " + text + " is not an IPv4 address");
        }
        return v4;
    }
}
