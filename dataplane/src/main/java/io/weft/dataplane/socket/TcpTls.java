package io.weft.dataplane.socket;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.weft.dataplane.DataPlaneException;
import io.weft.fdb.registry.PemKeys;

import javax.net.ssl.SSLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * Mutual TLS for the TCP fallback ({@code --tcp-tls-ca}, {@code --tcp-tls-cert}, {@code --tcp-tls-key}): both ends
 * show a certificate from the cluster's CA, and a peer whose certificate is not from that CA is refused in the
 * handshake. The peer's address must still be one a weft lease names (checked before the handshake); its certificate
 * need not name it, so one certificate per host, as kubeadm or cfssl hands out, is enough. Keys in PKCS#8, PKCS#1 RSA
 * or SEC1 EC PEM, as openssl, cfssl and kubeadm write them.
 */
public final class TcpTls {
    private final SslContext server;
    private final SslContext client;

    private TcpTls(SslContext server, SslContext client) {
        this.server = server;
        this.client = client;
    }

    /** @throws DataPlaneException one line naming the file and what is wrong with it */
    public static TcpTls load(Path ca, Path cert, Path key) {
        requireFile(ca, "--tcp-tls-ca");
        requireFile(cert, "--tcp-tls-cert");
        requireFile(key, "--tcp-tls-key");
        X509Certificate[] cas;
        X509Certificate[] chain;
        PrivateKey privateKey;
        try {
            cas = PemKeys.certificates(ca, "--tcp-tls-ca");
            chain = PemKeys.certificates(cert, "--tcp-tls-cert");
            privateKey = PemKeys.privateKey(key, "--tcp-tls-key");
        } catch (IllegalArgumentException e) {
            throw new DataPlaneException(e.getMessage());
        }
        if (!chain[0].getPublicKey().getAlgorithm().equals(privateKey.getAlgorithm())) {
            throw new DataPlaneException("--tcp-tls-key " + key + " is a " + privateKey.getAlgorithm() + " key but the"
                    + " certificate in --tcp-tls-cert " + cert + " is for a " + chain[0].getPublicKey().getAlgorithm()
                    + " key; give the key that belongs to the certificate");
        }
        try {
            SslContext server = SslContextBuilder.forServer(privateKey, chain).trustManager(cas)
                    .clientAuth(ClientAuth.REQUIRE).build();
            // Peers are known by their lease address, which is checked before the handshake; the CA vouches for them.
            SslContext client = SslContextBuilder.forClient().keyManager(privateKey, chain).trustManager(cas)
                    .endpointIdentificationAlgorithm(null).build();
            return new TcpTls(server, client);
        } catch (SSLException | IllegalArgumentException e) {
            throw new DataPlaneException("--tcp-tls-cert " + cert + " and --tcp-tls-key " + key + " do not make a TLS"
                    + " identity (" + e.getMessage() + "); is the key the certificate's?");
        }
    }

    private static void requireFile(Path p, String flag) {
        if (!Files.isReadable(p)) {
            throw new DataPlaneException(flag + " " + p + " cannot be read (no such file, or no permission)");
        }
    }

    SslHandler serverHandler(ByteBufAllocator alloc) {
        return server.newHandler(alloc);
    }

    SslHandler clientHandler(ByteBufAllocator alloc) {
        return client.newHandler(alloc);
    }
}
