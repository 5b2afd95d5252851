package io.weft.dataplane.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.dataplane.agent.AgentSettings;
import io.weft.dataplane.agent.ExternalInterface;
import io.weft.dataplane.agent.Ipv6OnlyInterface;
import io.weft.dataplane.agent.Ipv6Underlay;
import io.weft.dataplane.agent.PublicAddress;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;

import java.util.ArrayList;
import java.util.List;

/**
 * The underlay interface chosen as the agent chooses it (by IPv4, or by IPv6 on an IPv6-only network), and the
 * address our lease carries: what the running agent advertises, else what {@code weft run} with these flags would.
 *
 * @param ext      the interface, or null when none could be chosen (a FAIL is among the findings)
 * @param family   the family it was chosen by
 * @param owner    how our lease is found, or null when our address is unknown
 * @param findings the underlay line, and a {@code public-ip} failure if the address could not be fetched
 */
record Underlay(ExternalInterface ext, UnderlayFamily family, LeaseOwner owner, List<Finding> findings) {

    /**
     * @param config the network config, or null when it could not be read
     * @param agent  the running agent's {@code stats}, or null
     */
    static Underlay choose(AgentSettings settings, NetworkConfig config, JsonNode agent) throws InterruptedException {
        UnderlayFamily family = UnderlayFamily.of(config, agent);
        return family == UnderlayFamily.IPV6 ? byIpv6(settings, config, agent) : byIpv4(settings, config, agent);
    }

    private static Underlay byIpv4(AgentSettings settings, NetworkConfig config, JsonNode agent) throws InterruptedException {
        List<Finding> findings = new ArrayList<>();
        ExternalInterface ext = null;
        try {
            ext = ExternalInterface.choose(settings.interfaceRules());
            findings.add(UnderlayFamily.IPV4.chosen(ext, null, null));
        } catch (ExternalInterface.NotFound e) {
            findings.add(UnderlayFamily.IPV4.notFound(config, e.getMessage()));
        }
        return new Underlay(ext, UnderlayFamily.IPV4, LeaseOwner.byPublicIp(publicIp(settings, agent, ext, findings)),
                findings);
    }

    private static String publicIp(AgentSettings settings, JsonNode agent, ExternalInterface ext, List<Finding> findings)
            throws InterruptedException {
        if (agent != null && agent.hasNonNull("publicIp")) {
            return agent.get("publicIp").asText();
        }
        if (settings.publicIp() != null && !settings.publicIp().isBlank()) {
            return settings.publicIp().trim();
        }
        if (settings.publicIpFrom() != null && !settings.publicIpFrom().isBlank()) {
            try {
                return PublicAddress.fetch(settings.publicIpFrom(), PublicAddress.DEFAULT_TIMEOUT, 1).getHostAddress();
            } catch (PublicAddress.Unavailable e) {
                findings.add(Finding.fail("public-ip", e.getMessage(), "fix the URL, or give the address with -public-ip"));
                return null;
            }
        }
        return ext == null || ext.address() == null ? null : ext.address().getHostAddress();
    }

    /**
     * An IPv6-only network: the interface by {@link Ipv6OnlyInterface} with {@code -public-ipv6}, its IPv6 address by
     * {@link Ipv6Underlay}; our lease by the agent's PublicIPv6, else the one the agent would advertise.
     */
    private static Underlay byIpv6(AgentSettings settings, NetworkConfig config, JsonNode agent) {
        List<Finding> findings = new ArrayList<>();
        ExternalInterface ext = null;
        String advertised = agent != null && agent.hasNonNull("publicIpv6") ? agent.get("publicIpv6").asText() : null;
        try {
            ext = Ipv6OnlyInterface.choose(settings.interfaceRules(), settings.publicIpv6());
            Ipv6Underlay u = Ipv6Underlay.choose(ext.name(), settings.iface(), settings.ifaceRegex(), settings.publicIpv6(),
                    true);
            if (advertised == null) {
                advertised = Subnet.formatAddress(u.advertised());
            }
            findings.add(UnderlayFamily.IPV6.chosen(ext, Subnet.formatAddress(u.local()), advertised));
        } catch (ExternalInterface.NotFound e) {
            findings.add(UnderlayFamily.IPV6.notFound(config, e.getMessage()));
        }
        if (advertised == null) {
            advertised = settings.publicIpv6();
        }
        return new Underlay(ext, UnderlayFamily.IPV6, LeaseOwner.byPublicIpv6(advertised), findings);
    }
}
