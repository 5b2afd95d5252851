package io.weft.dataplane;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * This build's version, as the build wrote it into {@code build-version.properties}: the project version, plus
 * {@code git describe --always --dirty} after a '+' when it was built from git ({@code 0.1.0+3f2c1ab-dirty}).
 * The same string is the jar's Implementation-Version, the first line of the agent's log, the {@code version} of
 * {@code weft stats} and the label of {@code weft_build_info}.
 */
public final class BuildVersion {
    private static final String VERSION = read();

    private BuildVersion() {
    }

    public static String version() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = BuildVersion.class.getResourceAsStream("build-version.properties")) {
            if (in == null) {
                return "unknown (built without its version resource)";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the build's version resource", e);
        }
    }
}
