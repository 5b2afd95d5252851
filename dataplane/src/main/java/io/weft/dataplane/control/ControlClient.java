package io.weft.dataplane.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Sends one request to a running agent's control socket and returns its JSON reply. */
public final class ControlClient {
    private final Path socketPath;
    private final ObjectMapper json = new ObjectMapper();

    public ControlClient(Path runDir) {
        this.socketPath = runDir.resolve(ControlServer.SOCKET_NAME);
    }

    public ObjectNode request(String command) {
        ObjectNode req = json.createObjectNode();
        req.put("command", command);
        return req;
    }

    /**
     * @throws ControlException with a readable message when no agent answers or the agent reports an error
     */
    public JsonNode call(ObjectNode request) throws ControlException {
        if (!Files.exists(socketPath)) {
            throw new ControlException("no weft agent is running with run dir " + socketPath.getParent()
                    + " (no " + socketPath + "); start it with 'weft run', or pass the agent's --run-dir");
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socketPath));
            ByteBuffer out = ByteBuffer.wrap((json.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
            while (ch.read(buf) >= 0) {
                buf.flip();
                in.write(buf.array(), 0, buf.limit());
                buf.clear();
            }
            JsonNode reply = json.readTree(in.toByteArray());
            if (reply != null && reply.has("error")) {
                throw new ControlException("weft agent: " + reply.get("error").asText());
            }
            return reply;
        } catch (IOException e) {
            throw new ControlException("cannot talk to the weft agent at " + socketPath + ": " + e.getMessage()
                    + " (is it running? are you root?)");
        }
    }

    /** A failure to get an answer, with a message meant for the user. */
    public static final class ControlException extends Exception {
        private static final long serialVersionUID = 1L;

        public ControlException(String message) {
            super(message);
        }
    }
}
