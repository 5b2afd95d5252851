package io.weft.dataplane.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.dataplane.doctor.Doctor;
import io.weft.dataplane.doctor.DoctorReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code weft doctor}: checks this host and the cluster; each finding with its fix; exits 1 when something is wrong. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check this host and the cluster: the VXLAN port, a leftover flannel device, CNI configs,",
                "ip_forward, rp_filter, bridge-nf-call-iptables, the MTU, etcd and our lease, and a live probe",
                "through the tunnel to every peer (needs the running agent). Takes the same flags as 'weft run'.",
                "Exits 0 when nothing is wrong, 1 when a check warns or fails."})
public final class DoctorCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;

    @Option(names = "--json", description = "print the findings as JSON")
    boolean json;

    @Option(names = {"--cni-dir", "-cni-dir"}, descriptionKey = "weft", defaultValue = "/etc/cni/net.d",
            description = "where the kubelet reads CNI configs (default: ${DEFAULT-VALUE})")
    Path cniDir;

    @Option(names = "--probe-wait", defaultValue = "3", paramLabel = "SECONDS",
            description = "how long the live probe waits for each peer's answer (default: ${DEFAULT-VALUE})")
    int probeWaitSeconds;

    @Override
    public Integer call() throws Exception {
        DoctorReport report = new Doctor(options.toSettings(), cniDir, Path.of("/proc"),
                Duration.ofSeconds(Math.max(1, Math.min(30, probeWaitSeconds)))).run();
        if (json) {
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report.json()));
        } else {
            System.out.print(report.text());
        }
        return report.exitCode();
    }
}
