package io.weft.fdb.kube;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server answered 403: the message names the RBAC verb and resource weft's ServiceAccount lacks, and where
 * the ClusterRole that grants it is. The verb and resource are taken from the server's own message when it has them
 * ({@code … cannot patch resource "nodes/status" …}), else from the call that failed.
 */
public final class KubeAccessDenied extends KubeApiException {
    private static final long serialVersionUID = 1L;
    private static final Pattern SERVER_FORM = Pattern.compile("cannot (\\w+) resource \"([^\"]+)\"");

    private final String verb;
    private final String resource;

    public KubeAccessDenied(String verb, String resource, String serverMessage) {
        this(parsed(serverMessage, verb, resource), serverMessage);
    }

    private KubeAccessDenied(String[] verbAndResource, String serverMessage) {
        super("the API server refused to " + verbAndResource[0] + " " + verbAndResource[1] + " (403 Forbidden): the"
                + " ClusterRole bound to weft's ServiceAccount must allow verb \"" + verbAndResource[0] + "\" on"
                + " resource \"" + verbAndResource[1] + "\" (deploy/kube-weft.yml has it)"
                + (serverMessage == null || serverMessage.isBlank() ? "" : "; the server said: " + serverMessage));
        this.verb = verbAndResource[0];
        this.resource = verbAndResource[1];
    }

    public String verb() {
        return verb;
    }

    public String resource() {
        return resource;
    }

    private static String[] parsed(String serverMessage, String verb, String resource) {
        if (serverMessage != null) {
            Matcher m = SERVER_FORM.matcher(serverMessage);
            if (m.find()) {
                return new String[] {m.group(1), m.group(2)};
            }
        }
        return new String[] {verb, resource};
    }
}
