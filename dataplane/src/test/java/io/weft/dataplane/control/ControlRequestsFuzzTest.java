package io.weft.dataplane.control;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control socket reads whatever a local root process writes. Properties: every request, however broken, is
 * read and answered with one JSON object (the handler's result or an {@code error}), and nothing escapes.
 */
class ControlRequestsFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ControlRequests REQUESTS = new ControlRequests();

    static {
        REQUESTS.handle("stats", req -> Map.of("peers", 3));
        REQUESTS.handle("echo", req -> Map.of("got", req.path("value").asText("")));
        REQUESTS.handle("fails", req -> {
            throw new IllegalArgumentException("no such peer " + req.path("peer").asText());
        });
    }

    @FuzzTest
    void reply(byte[] input) throws IOException {
        // As the server reads it: into a bounded buffer until a newline or full.
        ByteBuffer buf = ByteBuffer.allocate(ControlRequests.MAX_REQUEST);
        int i = 0;
        while (!ControlRequests.complete(buf) && i < input.length) {
            buf.put(input[i++]);
        }
        buf.flip();
        String request = ControlRequests.text(buf);

        JsonNode reply = JSON.readTree(REQUESTS.reply(request));
        assertThat(reply.isObject()).as("reply to %s", request).isTrue();
        assertThat(reply.has("error") || reply.has("peers") || reply.has("got")).as("reply %s", reply).isTrue();
    }
}
