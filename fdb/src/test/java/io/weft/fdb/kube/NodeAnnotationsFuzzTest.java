package io.weft.fdb.kube;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node's flannel annotations and podCIDRs are anyone's text: written by flanneld, by {@code kubectl annotate}, or
 * by a broken tool. Properties, for every node the informer could hand weft:
 * <ul>
 *   <li>nothing but {@link MalformedNodeException} escapes, and its message is one line naming the node;</li>
 *   <li>a node that yields a peer got every field of it from an annotation that parses (a bad annotation never
 *       yields a peer: the watcher skips a node whose {@link NodeLeases#lease} throws);</li>
 *   <li>a peer round-trips: the annotations weft itself would write for it ({@link OwnAnnotations#wanted}) read back
 *       as the same lease, and its VtepMAC is what a restarted weft would keep;</li>
 *   <li>{@code public-ip-overwrite} is either used or reported invalid, never both.</li>
 * </ul>
 * The input is text, one {@code name=value} per line: {@code podCIDR}, {@code podCIDRs} (comma-separated),
 * {@code InternalIP}, {@code name} (the node's), or an annotation name after the prefix ({@code backend-data},
 * {@code public-ip}, {@code public-ip-overwrite}, {@code backend-type}, {@code kube-subnet-manager}, ...).
 * Regression mode runs the corpus under {@code NodeAnnotationsFuzzTestInputs}; {@code scripts/fuzz} mutates it.
 */
class NodeAnnotationsFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AnnotationNames NAMES = AnnotationNames.forPrefix("flannel.alpha.coreos.com");
    private static final String PREFIX = "flannel.alpha.coreos.com/";
    private static final NodeLeases LEASES = new NodeLeases(NAMES);
    private static final OwnAnnotations OWN = new OwnAnnotations(NAMES);

    @FuzzTest
    void nodeAnnotations(byte[] input) throws Exception {
        Node node = node(new String(input, StandardCharsets.UTF_8));
        String name = NodeLeases.name(node);
        Lease lease;
        try {
            lease = LEASES.lease(node);
        } catch (MalformedNodeException e) {
            assertThat(e.getMessage()).as("a malformed node's line").startsWith("node " + name + ": ").doesNotContain("\n");
            assertThat(e.node()).isEqualTo(name);
            lease = null;
        }
        NodeLeases.internalIp(node);
        checkOverwrite(node);
        if (lease != null) {
            checkPeer(node, lease);
        }
    }

    /** Every field of a peer comes from an annotation that parses, and weft's own annotations for it read back. */
    private static void checkPeer(Node node, Lease lease) throws Exception {
        Map<String, String> a = NodeLeases.annotations(node);
        assertThat(a.get(NAMES.kubeSubnetManager())).isEqualTo("true");
        assertThat(a.get(NAMES.backendType())).isEqualTo(Lease.VXLAN);
        assertThat(lease.isVxlan()).isTrue();
        assertThat(lease.subnet()).isEqualTo(NodeLeases.podSubnet(node));
        assertThat(lease.subnet().isIpv6()).isFalse();
        assertThat(Subnet.parseAddress(a.get(NAMES.publicIp()))).isEqualTo(lease.publicIp()).isInstanceOf(Inet4Address.class);
        JsonNode data = JSON.readTree(a.get(NAMES.backendData()));
        assertThat(data.isObject()).as("backend-data of a peer is a JSON object").isTrue();

        Node rewritten = new NodeBuilder().withNewMetadata().withName(NodeLeases.name(node))
                .withAnnotations(OWN.wanted(node, lease.publicIp(), lease.backendData())).endMetadata()
                .withNewSpec().withPodCIDR(lease.subnet().toString()).endSpec().build();
        Lease again = LEASES.lease(rewritten);
        // wanted() advertises a valid public-ip-overwrite in place of the detected address, as flanneld does.
        Inet4Address advertised = OWN.advertised(node, lease.publicIp());
        assertThat(again).as("the lease read back from weft's own annotations").isNotNull();
        assertThat(again.publicIp()).isEqualTo(advertised);
        assertThat(again.subnet()).isEqualTo(lease.subnet());
        assertThat(again.backendData()).isEqualTo(lease.backendData());
        assertThat(OWN.storedVtepMac(rewritten)).isEqualTo(lease.backendData().vtepMac());
        assertThat(OWN.missing(rewritten, advertised, lease.backendData())).as("what weft would still patch").isEmpty();
    }

    private static void checkOverwrite(Node node) {
        String raw = NodeLeases.annotations(node).get(NAMES.publicIpOverwrite());
        Inet4Address used = OWN.overwrite(node);
        String invalid = OWN.invalidOverwrite(node);
        assertThat(used != null && invalid != null).as("public-ip-overwrite %s both used and invalid", raw).isFalse();
        if (raw != null && !raw.isBlank()) {
            assertThat(used != null || invalid != null).as("public-ip-overwrite %s neither used nor reported", raw).isTrue();
        }
        OWN.storedVtepMac(node);
        OWN.nodePublicIp(node);
    }

    private static Node node(String text) {
        Map<String, String> annotations = new LinkedHashMap<>();
        String name = "node-b";
        String podCidr = null;
        List<String> podCidrs = null;
        String internalIp = null;
        for (String line : text.split("\n", -1)) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            switch (key) {
                case "name" -> name = value;
                case "podCIDR" -> podCidr = value;
                case "podCIDRs" -> podCidrs = new ArrayList<>(List.of(value.split(",", -1)));
                case "InternalIP" -> internalIp = value;
                default -> annotations.put(PREFIX + key, value);
            }
        }
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).withAnnotations(annotations).endMetadata()
                .withNewSpec().withPodCIDR(podCidr).withPodCIDRs(podCidrs).endSpec();
        if (internalIp != null) {
            b.withNewStatus().addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress().endStatus();
        }
        return b.build();
    }
}
