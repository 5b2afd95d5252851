package io.weft.dataplane.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The control socket's protocol without the socket: the bytes of one request line in, the JSON reply out. Whatever
 * arrives (not UTF-8, not JSON, not an object, an unknown command, a handler that throws) is answered with an
 * {@code error} document; nothing escapes to the server loop.
 */
final class ControlRequests {
    /** The longest request read; what does not fit is cut there and fails to parse. */
    static final int MAX_REQUEST = 64 * 1024;

    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Function<JsonNode, Object>> handlers = new ConcurrentHashMap<>();

    void handle(String command, Function<JsonNode, Object> handler) {
        handlers.put(command, handler);
    }

    /** True once the request in {@code buf} (written from 0 to its position) is complete: a newline, or full. */
    static boolean complete(ByteBuffer buf) {
        return !buf.hasRemaining() || (buf.position() > 0 && buf.get(buf.position() - 1) == '\n');
    }

    /** The request text in {@code buf} after {@code flip()}, malformed UTF-8 replaced, whitespace trimmed. */
    static String text(ByteBuffer buf) {
        return StandardCharsets.UTF_8.decode(buf).toString().trim();
    }

    /** The reply to one request, as the bytes to write back. */
    byte[] reply(String request) {
        Object reply;
        try {
            JsonNode req = json.readTree(request);
            if (req == null || !req.isObject()) {
                reply = error("a request is one JSON object, such as {\"command\":\"stats\"}");
            } else {
                String command = req.path("command").asText("");
                Function<JsonNode, Object> handler = handlers.get(command);
                reply = handler == null
                        ? error("unknown command \"" + command + "\"; known: " + String.join(", ", handlers.keySet()))
                        : handler.apply(req);
            }
        } catch (JsonProcessingException e) {
            reply = error("request is not JSON: " + e.getOriginalMessage());
        } catch (RuntimeException e) {
            reply = error(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        try {
            return json.writeValueAsBytes(reply);
        } catch (JsonProcessingException e) {
            return ("{\"error\":\"the reply cannot be written as JSON\"}").getBytes(StandardCharsets.UTF_8);
        }
    }

    private ObjectNode error(String message) {
        ObjectNode n = json.createObjectNode();
        n.put("error", message);
        return n;
    }
}
