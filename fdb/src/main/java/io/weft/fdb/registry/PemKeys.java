package io.weft.fdb.registry;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Reads a TLS client key and certificate chain from PEM files in the forms Go's {@code tls.LoadX509KeyPair} (and so
 * flanneld) reads: PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, kubeadm, easy-rsa), SEC1 ({@code BEGIN EC PRIVATE KEY},
 * cfssl's ECDSA keys) and PKCS#8 ({@code BEGIN PRIVATE KEY}). BouncyCastle parses the PEM; the JDK's key factories
 * build the key, so no security provider is installed.
 */
public final class PemKeys {
    private PemKeys() {
    }

    /**
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static PrivateKey privateKey(Path file, String flag) {
        Object pem;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            pem = parser.readObject();
            // a file may start with EC PARAMETERS before the EC PRIVATE KEY (openssl ecparam -genkey writes both)
            while (pem instanceof org.bouncycastle.asn1.ASN1ObjectIdentifier) {
                pem = parser.readObject();
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(flag + " " + file + " is not a PEM file: " + e.getMessage());
        }
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (pem instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (pem instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + " " + file + ": cannot read the key: " + e.getMessage());
        }
        if (pem instanceof PEMEncryptedKeyPair || pem instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new IllegalArgumentException(flag + " " + file + " is encrypted; like flanneld, weft needs an"
                    + " unencrypted key: openssl pkey -in " + file + " -out key.pem");
        }
        throw new IllegalArgumentException(flag + " " + file + " holds no private key (want BEGIN RSA PRIVATE KEY,"
                + " BEGIN EC PRIVATE KEY or BEGIN PRIVATE KEY)");
    }

    /** The certificates of a PEM file, leaf first. */
    public static X509Certificate[] certificates(Path file, String flag) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(c -> (X509Certificate) c).toList();
            if (certs.isEmpty()) {
                throw new IllegalArgumentException(flag + " " + file + " holds no certificate");
            }
            return certs.toArray(X509Certificate[]::new);
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException(flag + " " + file + " is not a PEM certificate: " + e.getMessage());
        }
    }
}
