package io.weft.dataplane.agent;

import io.weft.dataplane.os.HostCommand;
import io.weft.dataplane.host.Resync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a set of iptables chains in place: creates them, checks every rule each resync period and rebuilds a chain
 * whose rules went missing (another tool flushed it, say). {@link #close()} only stops the checking: the rules stay
 * across a restart, as flanneld's do, and the next agent finds them complete; {@link #remove()} deletes them.
 */
public final class Iptables implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Iptables.class);

    /** A chain we own: the jump into it and its rules, in order. */
    public record OwnedChain(String table, String chain, MasqueradeRules.Rule jump, List<MasqueradeRules.Rule> rules) {
    }

    /** The IPv4 tool; {@link #IPV6} writes the same chains for an IPv6 network, as flanneld does. */
    public static final String IPV4 = "iptables";
    public static final String IPV6 = "ip6tables";

    private final String binary;
    private final List<OwnedChain> chains;
    private Resync resync;

    public Iptables(List<OwnedChain> chains) {
        this(IPV4, chains);
    }

    /** @param binary {@link #IPV4} or {@link #IPV6} */
    public Iptables(String binary, List<OwnedChain> chains) {
        this.binary = binary;
        this.chains = List.copyOf(chains);
    }

    /** True if {@code binary} ({@link #IPV4} or {@link #IPV6}) runs on this host. */
    public static boolean installed(String binary) {
        return HostCommand.run(List.of(binary, "--version")).ok();
    }

    /** Whether this iptables knows {@code --random-fully} (iptables ≥ 1.6.2 with the kernel's support). */
    public static boolean supportsRandomFully() {
        return supportsRandomFully(IPV4);
    }

    /** As {@link #supportsRandomFully()} for {@code binary}, as flanneld asks each family's tool. */
    public static boolean supportsRandomFully(String binary) {
        HostCommand.Result r = HostCommand.run(List.of(binary, "--version"));
        if (!r.ok()) {
            return false;
        }
        // "iptables v1.8.9 (nf_tables)"
        String[] v = r.stdout().replaceAll("^[^0-9]*", "").split("[^0-9]+");
        try {
            int major = Integer.parseInt(v[0]);
            int minor = Integer.parseInt(v[1]);
            int patch = v.length > 2 ? Integer.parseInt(v[2]) : 0;
            return major > 1 || (major == 1 && (minor > 6 || (minor == 6 && patch >= 2)));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Installs everything now (throwing a readable error if iptables refuses) and re-checks every period. */
    public void start(long resyncSeconds) {
        ensure();
        resync = new Resync("iptables", resyncSeconds, this::ensure);
    }

    /** Makes every chain, rule and jump present; rebuilds a chain whose rules are not all there. */
    public synchronized void ensure() {
        for (OwnedChain c : chains) {
            HostCommand.run(List.of(binary, "-w", "5", "-t", c.table(), "-N", c.chain())); // exists already: fine
            boolean complete = c.rules().stream().allMatch(r -> HostCommand.run(iptables(r.checkArgs())).ok());
            if (!complete) {
                HostCommand.require(List.of(binary, "-w", "5", "-t", c.table(), "-F", c.chain()), "flush " + c.chain());
                for (MasqueradeRules.Rule r : c.rules()) {
                    HostCommand.require(iptables(r.appendArgs()), "add a rule to " + c.chain());
                }
                log.info("{}: (re)installed {} rules in {} {}", binary, c.rules().size(), c.table(), c.chain());
            }
            if (!HostCommand.run(iptables(c.jump().checkArgs())).ok()) {
                HostCommand.require(iptables(c.jump().appendArgs()), "add the jump to " + c.chain());
            }
        }
    }

    /** True if every chain, rule and jump is present. */
    public boolean present() {
        for (OwnedChain c : chains) {
            if (!HostCommand.run(iptables(c.jump().checkArgs())).ok()
                    || !c.rules().stream().allMatch(r -> HostCommand.run(iptables(r.checkArgs())).ok())) {
                return false;
            }
        }
        return true;
    }

    /** Stops re-checking; the rules stay in place. */
    @Override
    public synchronized void close() {
        if (resync != null) {
            resync.close();
        }
    }

    /** Stops re-checking and removes the jumps and the chains; returns the chains that were there. */
    public synchronized List<String> remove() {
        close();
        List<String> removed = new ArrayList<>();
        for (OwnedChain c : chains) {
            while (HostCommand.run(iptables(c.jump().deleteArgs())).ok()) {
                // a jump may have been added twice by hand; remove every copy
            }
            HostCommand.run(List.of(binary, "-w", "5", "-t", c.table(), "-F", c.chain()));
            if (HostCommand.run(List.of(binary, "-w", "5", "-t", c.table(), "-X", c.chain())).ok()) {
                removed.add((binary.equals(IPV4) ? "" : binary + " ") + c.table() + " " + c.chain());
            }
        }
        return removed;
    }

    private List<String> iptables(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary);
        cmd.addAll(args);
        return cmd;
    }
}
