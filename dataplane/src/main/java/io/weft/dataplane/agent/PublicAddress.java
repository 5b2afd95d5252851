package io.weft.dataplane.agent;

import io.weft.fdb.Subnet;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The address to advertise as PublicIP, fetched over HTTP as plain text, the way {@code curl ip.sb} is used on a
 * machine behind a cloud's 1:1 NAT that knows only its private address. The service sees the NAT's address as the
 * request's source, and that is what peers must send to.
 */
public final class PublicAddress {
    /** A whole exchange (connect, request, body) may take this long; a few attempts ride out a network still coming up. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_ATTEMPTS = 3;
    private static final int MAX_BODY = 256;

    private PublicAddress() {
    }

    /** A public address that could not be found, with a message that says why and what to do. */
    public static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    /**
     * Fetches {@code url} and reads its body as an IPv4 address (surrounding white space allowed, nothing else).
     *
     * @throws Unavailable naming the URL and the reason, after {@code attempts} tries
     */
    public static Inet4Address fetch(String url, Duration timeout, int attempts) throws Unavailable, InterruptedException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new Unavailable("--public-ip-from " + url + " is not a URL: " + e.getMessage());
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw new Unavailable("--public-ip-from " + url + " must be an http:// or https:// URL (e.g. https://ip.sb)");
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        // plain text, as curl asks: services such as ip.sb answer browsers with HTML
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", "curl/7.88.1 (weft)")
                .header("Accept", "text/plain").GET().build();
        String lastProblem = "no attempt made";
        for (int attempt = 1; attempt <= Math.max(1, attempts); attempt++) {
            try {
                HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() / 100 != 2) {
                    lastProblem = "it answered HTTP " + response.statusCode();
                } else {
                    return parse(url, response.body());
                }
            } catch (HttpTimeoutException e) {
                lastProblem = "no answer within " + timeout.toSeconds() + " s";
            } catch (IOException e) {
                lastProblem = e.getMessage() == null ? e.toString() : e.toString().replace("java.net.", "");
            }
            if (attempt < attempts) {
                Thread.sleep(1000);
            }
        }
        throw new Unavailable("cannot get the public address from --public-ip-from " + url + " (" + attempts
                + " attempts): " + lastProblem + "; check that this host can reach it, or give the address with -public-ip");
    }

    /** The address in a response body, which must be one IPv4 address and nothing else. */
    static Inet4Address parse(String url, byte[] body) throws Unavailable {
        String text = new String(body, 0, Math.min(body.length, MAX_BODY), StandardCharsets.UTF_8).trim();
        String shown = text.length() > 60 ? text.substring(0, 57) + "..." : text;
        if (body.length > MAX_BODY || text.isEmpty() || text.contains("\n")) {
            throw new Unavailable("--public-ip-from " + url + " did not answer with one address in plain text (got \""
                    + shown.replace("\n", "\\n") + "\"); use a service that prints only the address, like https://ip.sb");
        }
        InetAddress a;
        try {
            a = Subnet.parseAddress(text);
        } catch (IllegalArgumentException e) {
            throw new Unavailable("--public-ip-from " + url + " answered \"" + shown + "\", which is not an IP address;"
                    + " use a service that prints only the address, like https://ip.sb");
        }
        if (!(a instanceof Inet4Address)) {
            throw new Unavailable("--public-ip-from " + url + " answered the IPv6 address " + text + "; weft needs the"
                    + " IPv4 one (try an IPv4-only service such as https://api4.ipify.org or https://ipv4.ip.sb)");
        }
        return (Inet4Address) a;
    }
}
