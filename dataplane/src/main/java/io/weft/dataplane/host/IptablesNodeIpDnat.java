package io.weft.dataplane.host;

import io.weft.dataplane.os.HostCommand;
import io.weft.fdb.kube.NodeIpMappings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link NodeIpDnatRules} in iptables: both chains replaced by one {@code iptables-restore --noflush}, and the jumps
 * from OUTPUT and POSTROUTING added when missing.
 */
final class IptablesNodeIpDnat implements NodeIpDnatWriter {
    @Override
    public void write(NodeIpMappings plan) {
        Path input = null;
        try {
            input = Files.createTempFile("weft-node-ip-dnat", ".rules");
            Files.writeString(input, NodeIpDnatRules.restoreInput(plan));
            HostCommand.require(List.of("iptables-restore", "-w", "5", "--noflush", input.toString()),
                    "write the " + NodeIpDnatRules.DNAT_CHAIN + " chain");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the iptables-restore input to the temporary directory", e);
        } finally {
            deleteQuietly(input);
        }
        for (List<String> jump : List.of(NodeIpDnatRules.dnatJump("-C"), NodeIpDnatRules.snatJump("-C"))) {
            if (!HostCommand.run(iptables(jump)).ok()) {
                List<String> add = new ArrayList<>(jump);
                add.set(add.indexOf("-C"), "-A");
                HostCommand.require(iptables(add), "add the jump to " + add.get(add.size() - 1));
            }
        }
    }

    @Override
    public boolean inPlace(NodeIpMappings plan) {
        String listing = HostCommand.run(List.of("iptables", "-w", "5", "-t", "nat", "-S", NodeIpDnatRules.DNAT_CHAIN)).stdout();
        long rules = listing.lines().filter(l -> l.startsWith("-A " + NodeIpDnatRules.DNAT_CHAIN + " ")).count();
        boolean chain = rules == plan.mappings().size() && plan.mappings().entrySet().stream().allMatch(m ->
                listing.contains("-d " + m.getKey().getHostAddress() + "/32 ")
                        && listing.contains("--to-destination " + m.getValue().getHostAddress()));
        return chain && HostCommand.run(iptables(NodeIpDnatRules.dnatJump("-C"))).ok()
                && HostCommand.run(iptables(NodeIpDnatRules.snatJump("-C"))).ok();
    }

    /** Removes the jumps and both chains: the API server's connections go to the InternalIPs again. */
    @Override
    public List<String> remove() {
        for (List<String> jump : List.of(NodeIpDnatRules.dnatJump("-D"), NodeIpDnatRules.snatJump("-D"))) {
            while (HostCommand.run(iptables(jump)).ok()) {
                // a jump may be there twice; remove every copy
            }
        }
        List<String> removed = new ArrayList<>();
        for (String chain : List.of(NodeIpDnatRules.DNAT_CHAIN, NodeIpDnatRules.SNAT_CHAIN)) {
            HostCommand.run(List.of("iptables", "-w", "5", "-t", "nat", "-F", chain));
            if (HostCommand.run(List.of("iptables", "-w", "5", "-t", "nat", "-X", chain)).ok()) {
                removed.add("nat " + chain);
            }
        }
        return removed;
    }

    @Override
    public String where() {
        return "the iptables chain " + NodeIpDnatRules.DNAT_CHAIN;
    }

    private static List<String> iptables(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("iptables");
        cmd.addAll(args);
        return cmd;
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a stray temporary file is harmless
        }
    }
}
