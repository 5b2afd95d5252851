package io.weft.dataplane.control;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;

/**
 * The control socket ({@code <run-dir>/weft.sock}, mode 0600): one JSON request line in, one JSON document out.
 * It runs on its own thread and reads only published snapshots and summed counters, never worker state directly.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
    public static final String SOCKET_NAME = "weft.sock";

    private final Path socketPath;
    private final ControlRequests requests = new ControlRequests();
    private final ServerSocketChannel server;
    private final Thread thread;
    private volatile boolean closed;

    public ControlServer(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        this.socketPath = runDir.resolve(SOCKET_NAME);
        Files.deleteIfExists(socketPath);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socketPath));
        Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
        thread = new Thread(this::serve, "weft-control");
        thread.setDaemon(true);
    }

    /** Registers the handler of {@code command}; its result is serialised with Jackson. */
    public ControlServer handle(String command, Function<JsonNode, Object> handler) {
        requests.handle(command, handler);
        return this;
    }

    public ControlServer start() {
        thread.start();
        return this;
    }

    public Path socketPath() {
        return socketPath;
    }

    private void serve() {
        while (!closed) {
            try (SocketChannel client = server.accept()) {
                answer(client);
            } catch (IOException e) {
                if (!closed) {
                    log.warn("control socket {}: {}", socketPath, e.toString());
                }
            } catch (RuntimeException e) {
                log.warn("control socket request failed", e);
            }
        }
    }

    private void answer(SocketChannel client) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(requests.reply(readLine(client)));
        while (out.hasRemaining()) {
            client.write(out);
        }
    }

    private static String readLine(SocketChannel client) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(ControlRequests.MAX_REQUEST);
        while (!ControlRequests.complete(buf)) {
            if (client.read(buf) < 0) {
                break;
            }
        }
        buf.flip();
        return ControlRequests.text(buf);
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
