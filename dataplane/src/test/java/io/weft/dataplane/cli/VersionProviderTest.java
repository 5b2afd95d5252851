package io.weft.dataplane.cli;

import io.weft.dataplane.BuildVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code weft --version} in every spelling a user (or a flanneld unit file) gives it prints the build's version. */
class VersionProviderTest {
    @ParameterizedTest
    @ValueSource(strings = {"--version", "-version", "-V", "run --version", "run -version", "run -V"})
    void everySpellingPrintsTheBuildsVersion(String args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = WeftMain.execute(args.split(" "), Map.of());
        } finally {
            System.setOut(original);
        }
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("weft " + BuildVersion.version() + System.lineSeparator());
    }

    @Test
    void theVersionIsTheProjectVersionWithGitDescribeAfterAPlus() {
        // 0.1.0-SNAPSHOT from a tarball, 0.1.0-SNAPSHOT+86eafbc-dirty from git; never a placeholder the build left.
        assertThat(BuildVersion.version()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?(\\+[0-9A-Za-z.-]+)?");
    }
}
