package io.weft.dataplane.host;

import io.weft.dataplane.os.HostCommand;
import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps flannel's nftables table ({@link NftablesRules}) in place through the {@code nft} command: writes it, checks it
 * every resync period against what nft listed right after the write, and writes it again when it changed (a
 * {@code nft flush ruleset}, say; flanneld writes it once and never looks again). {@link #close()} stops the checking
 * and leaves the table, as flanneld does across a restart; {@code weft cleanup} deletes it ({@link #deleteTable}).
 */
public final class Nftables implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Nftables.class);

    private final List<String> script;
    private String applied;
    private Resync resync;

    private Nftables(List<String> script) {
        this.script = List.copyOf(script);
    }

    /**
     * The rule set flanneld makes for these flags.
     *
     * @param masquerade           {@code -ip-masq}
     * @param fullyRandomDisabled  {@code -ip-masq-fully-random-disable}
     * @param forward              {@code -iptables-forward-rules}
     */
    public static Nftables forFlags(Subnet network, Subnet podSubnet, boolean masquerade, boolean fullyRandomDisabled,
                                    boolean forward) {
        List<String> s = new ArrayList<>(NftablesRules.table());
        if (masquerade) {
            boolean fully = !fullyRandomDisabled && supportsFullyRandom();
            s.addAll(NftablesRules.masquerade(network, podSubnet, fully));
        }
        if (forward) {
            s.addAll(NftablesRules.forward(network));
        }
        return new Nftables(s);
    }

    /** Whether nft and the kernel take {@code masquerade fully-random}, checked without changing anything. */
    static boolean supportsFullyRandom() {
        boolean ok = runScript(NftablesRules.fullyRandomProbe(), true).ok();
        if (!ok) {
            log.warn("nftables: masquerade fully-random is not supported here; masquerading without it");
        }
        return ok;
    }

    /** Writes the table now (a readable error if nft refuses) and re-checks it every {@code resyncSeconds}. */
    public void start(long resyncSeconds) {
        ensure();
        log.info("nftables: table {} {} in place", NftablesRules.FAMILY, NftablesRules.TABLE);
        resync = new Resync("nftables", resyncSeconds, this::ensure);
    }

    /** Writes the table if it is not as last written. */
    public synchronized void ensure() {
        if (applied != null && applied.equals(listing())) {
            return;
        }
        HostCommand.Result r = runScript(script, false);
        if (!r.ok()) {
            throw new IllegalStateException("cannot write nftables table " + NftablesRules.TABLE + ": "
                    + r.stderr().trim() + (r.stderr().contains("could not be run") ? "; install nftables" : ""));
        }
        if (applied != null) {
            log.info("nftables: table {} had changed; rewrote it", NftablesRules.TABLE);
        }
        applied = listing();
    }

    /** {@code nft list table ip flannel-ipv4}, or null when it is not there. */
    public static String listing() {
        HostCommand.Result r = HostCommand.run(List.of("nft", "list", "table", NftablesRules.FAMILY, NftablesRules.TABLE));
        return r.ok() ? r.stdout() : null;
    }

    /** Deletes flannel's nftables tables if nft is there, as flanneld does when it starts in iptables mode. */
    public static void deleteLeftovers() {
        for (String[] t : new String[][] {{"ip", NftablesRules.TABLE}, {"ip6", NftablesRules.TABLE_V6}}) {
            if (HostCommand.run(List.of("nft", "delete", "table", t[0], t[1])).ok()) {
                log.info("removed the leftover nftables table {} {} (the network config does not set EnableNFTables)",
                        t[0], t[1]);
            }
        }
    }

    /** Stops re-checking; the table stays in place. */
    @Override
    public synchronized void close() {
        if (resync != null) {
            resync.close();
        }
    }

    /** {@code nft delete table <family> <name>}; true if it was there. */
    public static boolean deleteTable(String family, String name) {
        return HostCommand.run(List.of("nft", "delete", "table", family, name)).ok();
    }

    /** Every table as {@code "<family> <name>"} ({@code nft list tables}); empty without nft. */
    public static List<String> tables() {
        HostCommand.Result r = HostCommand.run(List.of("nft", "list", "tables"));
        if (!r.ok()) {
            return List.of();
        }
        return r.stdout().lines().map(String::trim).filter(l -> l.startsWith("table "))
                .map(l -> l.substring("table ".length()).trim()).toList();
    }

    /** Runs {@code lines} as one {@code nft -f} transaction (only checked with {@code checkOnly}). */
    static HostCommand.Result runScript(List<String> lines, boolean checkOnly) {
        Path file;
        try {
            file = Files.createTempFile("weft-nft-", ".nft");
            Files.writeString(file, String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write an nft script to the temporary directory", e);
        }
        try {
            List<String> cmd = new ArrayList<>(List.of("nft"));
            if (checkOnly) {
                cmd.add("--check");
            }
            cmd.addAll(List.of("-f", file.toString()));
            return HostCommand.run(cmd);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a stray temporary file is harmless
            }
        }
    }
}
