package io.weft.dataplane.control;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlSocketTest {

    @Test
    void aRequestReachesItsHandlerAndTheReplyComesBackAsJson(@TempDir Path dir) throws Exception {
        try (ControlServer server = new ControlServer(dir)) {
            server.handle("fdb", req -> Map.of("device", "weft.1", "count", 3)).start();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socketPath())))
                    .isEqualTo("rw-------");
            ControlClient client = new ControlClient(dir);
            JsonNode reply = client.call(client.request("fdb"));
            assertThat(reply.path("device").asText()).isEqualTo("weft.1");
            assertThat(reply.path("count").asInt()).isEqualTo(3);

            assertThatThrownBy(() -> client.call(client.request("nope")))
                    .hasMessageContaining("unknown command \"nope\"").hasMessageContaining("fdb");
        }
        assertThat(dir.resolve(ControlServer.SOCKET_NAME)).doesNotExist();
    }

    @Test
    void noAgentGivesAMessageNamingTheRunDir(@TempDir Path dir) {
        ControlClient client = new ControlClient(dir);
        assertThatThrownBy(() -> client.call(client.request("fdb")))
                .hasMessageContaining("no weft agent is running with run dir " + dir)
                .hasMessageContaining("--run-dir");
    }
}
