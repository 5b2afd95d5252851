package io.weft.labkit.etcd;

import io.weft.labkit.SystemTests;
import io.weft.labkit.process.Cmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A throw-away PKI made with {@code openssl} for TLS tests: a CA, a server certificate for 127.0.0.1 (IP SAN) and
 * a client certificate, all EC P-256 with PKCS#8 PEM keys (the form etcd and Netty both read).
 */
public record TestCerts(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {

    public static TestCerts create(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path ca = dir.resolve("ca.pem");
        Path caKey = dir.resolve("ca-key.pem");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", caKey.toString(), "-out", ca.toString(), "-days", "2", "-subj", "/CN=weft-test-ca");
        Path serverCert = dir.resolve("server.pem");
        Path serverKey = dir.resolve("server-key.pem");
        issue(dir, "server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
                ca, caKey, serverCert, serverKey);
        Path clientCert = dir.resolve("client.pem");
        Path clientKey = dir.resolve("client-key.pem");
        issue(dir, "client", "/CN=weft-test-client", "extendedKeyUsage=clientAuth\n", ca, caKey, clientCert, clientKey);
        return new TestCerts(ca, serverCert, serverKey, clientCert, clientKey);
    }

    private static void issue(Path dir, String name, String subject, String extensions, Path ca, Path caKey,
                              Path cert, Path key) throws IOException {
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, extensions);
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", csr.toString(), "-subj", subject);
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
    }

    private static void openssl(String... args) {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(SystemTests.requireBinary("openssl", "openssl").toString());
        cmd.addAll(List.of(args));
        Cmd.Result r = Cmd.run(30, cmd);
        if (!r.ok()) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + r.output());
        }
    }
}
