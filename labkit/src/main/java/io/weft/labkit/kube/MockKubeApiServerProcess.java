package io.weft.labkit.kube;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link MockKubeApiServer} as its own process (optionally under a prefix such as {@code ip netns exec <ns>}), on the
 * test's class path. {@link #close()} closes its standard input, which stops it, and kills it if it does not.
 */
public final class MockKubeApiServerProcess implements AutoCloseable {
    private final Process process;
    private final String url;

    private MockKubeApiServerProcess(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    /**
     * @param prefix  command words in front of {@code java}, e.g. {@code ip netns exec kube-api}; may be empty
     * @param forbid  {@code verb:resource} pairs answered 403
     */
    public static MockKubeApiServerProcess start(List<String> prefix, String address, int port, String... forbid)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(MockKubeApiServer.class.getName());
        cmd.add(address);
        cmd.add(String.valueOf(port));
        cmd.addAll(List.of(forbid));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("listening ")) {
                        return line.substring("listening ".length()).trim();
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        String url;
        try {
            url = first.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            url = null;
        }
        if (url == null) {
            p.destroyForcibly();
            throw new IOException("the mock API server process did not start: " + String.join(" ", cmd));
        }
        return new MockKubeApiServerProcess(p, url);
    }

    public String url() {
        return url;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
