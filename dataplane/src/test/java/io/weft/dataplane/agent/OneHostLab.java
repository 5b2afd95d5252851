package io.weft.dataplane.agent;

import io.weft.labkit.netns.Netns;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One host {@code h1} on the lab switch with etcd, for tests that start many short-lived agents there one after
 * another: each test's agents are stopped by {@link #stopAgents()} (an {@code @AfterEach}), the lab by {@link #close()}.
 */
final class OneHostLab implements AutoCloseable {
    final AgentLab lab;
    final Netns host;
    /** The host's directory: subnet.env, the run dir and one log per agent. */
    final Path dir;
    private final List<AgentProcess> started = new ArrayList<>();

    OneHostLab(String prefix) throws IOException {
        lab = new AgentLab(prefix);
        try {
            lab.startEtcd();
            host = lab.addHost("h1", 1);
            dir = lab.hostDir("h1");
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** Starts {@code weft} with {@code args} in the host, its output in {@code logName} under {@link #dir}. */
    AgentProcess start(String logName, Map<String, String> env, List<String> javaPrefix, List<String> args)
            throws IOException {
        AgentProcess p = AgentProcess.start(host, dir.resolve(logName), env, javaPrefix, args.toArray(new String[0]));
        started.add(p);
        return p;
    }

    void stopAgents() {
        started.forEach(AgentProcess::close);
        started.clear();
    }

    @Override
    public void close() {
        stopAgents();
        lab.close();
    }
}
