package io.weft.fdb.kube;

import io.fabric8.kubernetes.client.OAuthTokenProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pod's service-account token, read from its file for every request: the kubelet rotates projected tokens in
 * place, and client-go re-reads the file too. When a read fails the last token read is kept (as client-go does), so a
 * rotation caught half-way does not fail the request.
 */
final class ServiceAccountToken implements OAuthTokenProvider {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountToken.class);

    private final Path file;
    private volatile String last;

    /** @throws UncheckedIOException when the token cannot be read now */
    ServiceAccountToken(Path file) {
        this.file = file;
        try {
            this.last = read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String getToken() {
        try {
            String token = read();
            if (!token.isEmpty()) {
                last = token;
            }
        } catch (IOException e) {
            LOG.warn("cannot re-read the service-account token {} ({}); using the one read before", file, e.toString());
        }
        return last;
    }

    private String read() throws IOException {
        return Files.readString(file).trim();
    }
}
