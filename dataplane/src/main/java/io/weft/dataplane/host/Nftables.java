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
        return forFlags(network, podSubnet, null, null, masquerade, fullyRandomDisabled, forward);
    }

    /**
     * As {@link #forFlags(Subnet, Subnet, boolean, boolean, boolean)} for both families: flanneld creates both tables
     * ({@code flannel-ipv4}, {@code flannel-ipv6}) whatever the config, and fills each one whose network is given.
     *
     * @param network     the IPv4 Network, or null (IPv6-only: the IPv4 table stays without chains)
     * @param ipv6Network the IPv6Network, or null (IPv4-only: the IPv6 table stays without chains)
     */
    public static Nftables forFlags(Subnet network, Subnet podSubnet, Subnet ipv6Network, Subnet ipv6PodSubnet,
                                    boolean masquerade, boolean fullyRandomDisabled, boolean forward) {
        List<String> s = new ArrayList<>(NftablesRules.table());
        s.addAll(NftablesRules.tableV6());
        boolean fully = masquerade && !fullyRandomDisabled && supportsFullyRandom();
        for (Subnet[] family : new Subnet[][] {{network, podSubnet}, {ipv6Network, ipv6PodSubnet}}) {
            if (family[0] == null || family[1] == null) {
                continue;
            }
            if (masquerade) {
                s.addAll(NftablesRules.masquerade(family[0], family[1], fully));
            }
            if (forward) {
                s.addAll(NftablesRules.forward(family[0]));
            }
        }
        return new Nftables(s);
    }

    /** The {@code nft -f} script this writes (for tests). */
    List<String> script() {
        return script;
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
        if (applied != null && applied.equals(listings())) {
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
        applied = listings();
    }

    /** {@code nft list table ip flannel-ipv4}, or null when it is not there. */
    public static String listing() {
        return listing(NftablesRules.FAMILY, NftablesRules.TABLE);
    }

    /** {@code nft list table ip6 flannel-ipv6}, or null when it is not there. */
    public static String listingV6() {
        return listing(NftablesRules.FAMILY_V6, NftablesRules.TABLE_V6);
    }

    private static String listing(String family, String table) {
        HostCommand.Result r = HostCommand.run(List.of("nft", "list", "table", family, table));
        return r.ok() ? r.stdout() : null;
    }

    /** Both tables as nft lists them: what {@link #ensure} compares with what it last wrote. */
    private static String listings() {
        String v4 = listing();
        String v6 = listingV6();
        return v4 == null || v6 == null ? null : v4 + v6;
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
