package io.weft.dataplane.packaging;

import io.weft.dataplane.BuildVersion;
import io.weft.dataplane.cli.WeftMain;
import io.weft.labkit.SystemTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code scripts/package} builds the .deb (lintian passing with no error), and dpkg installs it into a throwaway root
 * ({@code dpkg --root}, maintainer scripts run with DPKG_ROOT set, so this host's systemd is left alone). Then every
 * file and mode, the control fields and the conffile are checked, and the installed {@code /usr/bin/weft} runs:
 * the throwaway root's {@code /usr/lib} is laid over the host's in a private mount namespace, so the wrapper finds
 * the installed jar at {@code /usr/lib/weft/weft.jar} and the host's Java beside it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class DebianPackageIT {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final Path JAR = Path.of("target", "weft.jar").toAbsolutePath();

    Path work;
    Path deb;
    Path root;
    String packageOutput;

    @BeforeAll
    void buildAndInstall() throws Exception {
        SystemTests.require(SystemTests.which("dpkg-deb") != null, "needs dpkg-deb (Debian's dpkg) to build the package");
        SystemTests.require(Files.exists(JAR), "needs " + JAR + " (run mvn package first)");
        SystemTests.require(SystemTests.isRoot() || SystemTests.which("asciidoctor") != null,
                "needs asciidoctor for the man pages (apt-get install asciidoctor), or root to install it");
        work = Files.createTempDirectory("weft-deb");
        Run built = run(600, Map.of("WEFT_PACKAGE_JAR", JAR.toString(), "WEFT_PACKAGE_OUT", work.resolve("out").toString()),
                REPO.resolve("scripts/package").toString());
        packageOutput = built.output();
        assertThat(built.code()).as("scripts/package: %s", built.output()).isZero();
        deb = Path.of(built.stdoutLastLine());
        root = work.resolve("root");
        Files.createDirectories(root.resolve("var/lib/dpkg/info"));
        Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
        Files.createFile(root.resolve("var/lib/dpkg/status"));
        if (SystemTests.isRoot()) {
            // The Java runtime, iproute2 and iptables are on the host, not in the empty root: --force-depends.
            Run installed = run(120, Map.of(), "dpkg", "--root=" + root, "--force-script-chrootless", "--force-depends",
                    "--log=/dev/null", "-i", deb.toString());
            assertThat(installed.code()).as("dpkg -i: %s", installed.output()).isZero();
        } else {
            Run unpacked = run(120, Map.of(), "dpkg-deb", "-x", deb.toString(), root.toString());
            assertThat(unpacked.code()).as("dpkg-deb -x: %s", unpacked.output()).isZero();
        }
    }

    @AfterAll
    void removeTheRoot() throws IOException {
        if (work != null) {
            run(60, Map.of(), "rm", "-rf", work.toString());
        }
    }

    @Test
    void theFileIsNamedForItsDebianVersionAndLintianFoundNoError() {
        String version = field("Version");
        assertThat(deb.getFileName().toString()).isEqualTo("weft_" + version + "_all.deb");
        // 0.1.0-SNAPSHOT+86eafbc-dirty -> 0.1.0~snapshot+git<commits>.86eafbc.dirty-1
        String project = BuildVersion.version().replaceFirst("\\+.*", "").replace("-SNAPSHOT", "~snapshot");
        assertThat(version).startsWith(project).endsWith("-1");
        if (BuildVersion.version().contains("+")) {
            assertThat(version).contains("+git").contains(BuildVersion.version().replaceFirst(".*\\+", "").replace('-', '.'));
        }
        assertThat(packageOutput).doesNotContainPattern("(?m)^E: ");
    }

    @Test
    void everyFileIsThereWithItsModeAndNothingElse() throws Exception {
        Map<String, String> expected = new TreeMap<>();
        expected.put("etc/default/weft", "-rw-r--r--");
        expected.put("lib/systemd/system/weft.service", "-rw-r--r--");
        expected.put("usr/bin/weft", "-rwxr-xr-x");
        expected.put("usr/lib/weft/weft.jar", "-rw-r--r--");
        for (String doc : List.of("README.md", "NOTICE", "copyright", "changelog.gz", "changelog.Debian.gz")) {
            expected.put("usr/share/doc/weft/" + doc, "-rw-r--r--");
        }
        expected.put("usr/share/lintian/overrides/weft", "-rw-r--r--");
        expected.put("usr/share/man/man8/weft.8.gz", "-rw-r--r--");
        for (String sub : WeftMain.commandLine(Map.of()).getSubcommands().keySet()) {
            expected.put("usr/share/man/man8/weft-" + sub + ".8.gz", "-rw-r--r--");
        }

        Map<String, String> listed = new TreeMap<>();
        for (String line : run(60, Map.of(), "dpkg-deb", "-c", deb.toString()).output().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && !f[0].startsWith("d")) {
                assertThat(f[1]).as("owner of %s", f[5]).isEqualTo("root/root");
                listed.put(f[5].replaceFirst("^\\./", ""), f[0]);
            } else if (f.length >= 6) {
                assertThat(f[0]).as("mode of directory %s", f[5]).isEqualTo("drwxr-xr-x");
            }
        }
        assertThat(listed).isEqualTo(expected);
        for (String path : expected.keySet()) {
            assertThat(root.resolve(path)).as("installed %s", path).isRegularFile();
        }
        assertThat(Files.mismatch(root.resolve("usr/lib/weft/weft.jar"), JAR)).isEqualTo(-1L);
        assertThat(Files.readString(root.resolve("lib/systemd/system/weft.service")))
                .isEqualTo(Files.readString(REPO.resolve("src/systemd/weft.service")));
        assertThat(Files.readString(root.resolve("etc/default/weft")))
                .isEqualTo(Files.readString(REPO.resolve("src/systemd/weft.env")));
        assertThat(Files.readString(root.resolve("usr/bin/weft"))).contains("exec java ${WEFT_JAVA_OPTS:-} -jar /usr/lib/weft/weft.jar \"$@\"");
        assertThat(gunzip(root.resolve("usr/share/man/man8/weft-run.8.gz"))).contains(".TH \"WEFT\\-RUN\" \"8\"")
                .contains("etcd\\-endpoints");
        assertThat(gunzip(root.resolve("usr/share/doc/weft/changelog.gz"))).startsWith("# Changelog");
    }

    @Test
    void theControlFieldsConffileAndMaintainerScripts() throws Exception {
        assertThat(field("Package")).isEqualTo("weft");
        assertThat(field("Architecture")).isEqualTo("all");
        assertThat(field("Depends"))
                .isEqualTo("default-jre-headless (>= 2:1.17) | java17-runtime-headless, iproute2, iptables | nftables");
        assertThat(field("Recommends")).isEqualTo("etcd-client");
        Path control = work.resolve("control");
        assertThat(run(60, Map.of(), "dpkg-deb", "-e", deb.toString(), control.toString()).code()).isZero();
        assertThat(Files.readString(control.resolve("conffiles"))).isEqualTo("/etc/default/weft\n");
        for (String script : List.of("postinst", "prerm", "postrm")) {
            assertThat(Files.isExecutable(control.resolve(script))).as(script).isTrue();
            assertThat(run(20, Map.of(), "sh", "-n", control.resolve(script).toString()).code()).as("sh -n " + script).isZero();
        }
        assertThat(Files.readString(control.resolve("postinst"))).contains("deb-systemd-invoke try-restart weft.service");
        assertThat(Files.readString(control.resolve("prerm"))).contains("if [ \"$1\" = remove ]")
                .contains("deb-systemd-invoke stop weft.service").contains("/usr/bin/weft cleanup");
        assertThat(Files.readString(control.resolve("postrm"))).contains("rm -rf \"${DPKG_ROOT:-}/run/weft\"");
        if (SystemTests.isRoot()) {
            String status = run(20, Map.of(), "dpkg", "--root=" + root, "-s", "weft").output();
            assertThat(status).contains("Status: install ok installed").contains(" /etc/default/weft ");
        }
    }

    @Test
    void theInstalledWeftRunsItsHelpAndVersion() {
        SystemTests.require(SystemTests.isRoot(), "needs root (a private mount namespace to run the installed /usr/bin/weft)");
        assertThat(installedWeft("--help")).contains("Usage: weft [-hV] [COMMAND]").contains("run ");
        assertThat(installedWeft("run", "--help")).contains("Usage: weft run").contains("-etcd-endpoints");
        assertThat(installedWeft("--version")).isEqualTo("weft " + BuildVersion.version() + "\n");
        assertThat(installedWeft("cleanup", "--help")).contains("Usage: weft cleanup").contains("--force");
    }

    private String installedWeft(String... args) {
        // Over the host's /usr/lib, read-only: the root's usr/lib first (weft/weft.jar), then the host's (the JVM).
        String script = "mount --make-rprivate / && mount -t overlay overlay -o lowerdir=" + root.resolve("usr/lib")
                + ":/usr/lib /usr/lib && exec \"$0\" \"$@\"";
        List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "sh", "-c", script, root.resolve("usr/bin/weft").toString()));
        cmd.addAll(Arrays.asList(args));
        Run r = run(60, Map.of(), cmd.toArray(new String[0]));
        assertThat(r.code()).as("%s: %s", String.join(" ", args), r.output()).isZero();
        return r.stdout();
    }

    private String field(String name) {
        return run(20, Map.of(), "dpkg-deb", "-f", deb.toString(), name).stdout().trim();
    }

    private static String gunzip(Path gz) throws IOException {
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A finished command: exit code, stdout, and stdout and stderr together for messages. */
    record Run(int code, String stdout, String output) {
        String stdoutLastLine() {
            List<String> lines = stdout.lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }
    }

    /** Runs a command in the repository with extra environment, killing it (and its children) after the limit. */
    static Run run(long seconds, Map<String, String> env, String... command) {
        try {
            Path out = Files.createTempFile("weft-deb-out", ".txt");
            Path err = Files.createTempFile("weft-deb-err", ".txt");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).directory(REPO.toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                    return new Run(-1, Files.readString(out), String.join(" ", command) + ": timed out after " + seconds
                            + " s\n" + Files.readString(out) + Files.readString(err));
                }
                return new Run(p.exitValue(), Files.readString(out), Files.readString(out) + Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Run(-1, "", String.join(" ", command) + " could not be run: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(-1, "", "interrupted");
        }
    }
}
