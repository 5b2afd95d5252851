package io.weft.dataplane.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EarlyRunArgsTest {
    @Test
    void aRunWithoutOptionsUsesTheDefaultRunDir() {
        assertThat(EarlyRunArgs.of(new String[] {"run"}, Map.of())).isEqualTo(new EarlyRunArgs(Path.of("/run/weft"), false));
    }

    @Test
    void theRunDirComesFromEitherSpellingOrTheEnvironment() {
        assertThat(EarlyRunArgs.of(new String[] {"run", "--run-dir", "/tmp/a"}, Map.of()).runDir()).isEqualTo(Path.of("/tmp/a"));
        assertThat(EarlyRunArgs.of(new String[] {"run", "-run-dir=/tmp/b", "-ip-masq"}, Map.of()).runDir())
                .isEqualTo(Path.of("/tmp/b"));
        assertThat(EarlyRunArgs.of(new String[] {"run"}, Map.of("WEFT_RUN_DIR", "/tmp/c")).runDir()).isEqualTo(Path.of("/tmp/c"));
        assertThat(EarlyRunArgs.of(new String[] {"run", "--run-dir", "/tmp/d"}, Map.of("WEFT_RUN_DIR", "/tmp/c")).runDir())
                .as("the flag wins, as picocli has it").isEqualTo(Path.of("/tmp/d"));
    }

    @Test
    void verbosityAboveZeroMeansDebug() {
        assertThat(EarlyRunArgs.of(new String[] {"run", "-v", "2"}, Map.of()).debug()).isTrue();
        assertThat(EarlyRunArgs.of(new String[] {"run", "--v=1"}, Map.of()).debug()).isTrue();
        assertThat(EarlyRunArgs.of(new String[] {"run", "-v=0"}, Map.of()).debug()).isFalse();
        assertThat(EarlyRunArgs.of(new String[] {"run"}, Map.of("FLANNELD_V", "3")).debug()).isTrue();
    }

    @Test
    void otherCommandsHelpAndVersionAreNoRun() {
        assertThat(EarlyRunArgs.of(new String[] {}, Map.of())).isNull();
        assertThat(EarlyRunArgs.of(new String[] {"stats"}, Map.of())).isNull();
        assertThat(EarlyRunArgs.of(new String[] {"run", "--help"}, Map.of())).isNull();
        assertThat(EarlyRunArgs.of(new String[] {"run", "-version"}, Map.of())).isNull();
    }
}
