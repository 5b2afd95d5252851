package io.weft.fdb.kube;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceAccountTokenTest {
    @TempDir
    Path dir;

    @Test
    void aTokenThatCannotBeReReadKeepsTheOneReadBefore() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "first\n");
        ServiceAccountToken token = new ServiceAccountToken(file);
        assertThat(token.getToken()).isEqualTo("first");
        Files.writeString(file, "second");
        assertThat(token.getToken()).isEqualTo("second");
        // a rotation caught between the old file's removal and the new one's arrival
        Files.delete(file);
        assertThat(token.getToken()).isEqualTo("second");
        Files.writeString(file, "");
        assertThat(token.getToken()).isEqualTo("second");
    }
}
