package io.weft.dataplane.cli;

import io.weft.dataplane.agent.AgentSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunOptionsTest {

    private static AgentSettings parse(Map<String, String> env, String... args) {
        CommandLine cli = WeftMain.commandLine(env);
        CommandLine.ParseResult pr = cli.parseArgs(args);
        RunCommand run = (RunCommand) pr.subcommand().commandSpec().userObject();
        return run.options().toSettings();
    }

    @Test
    void flanneldDefaultsApplyWhenNothingIsGiven() {
        AgentSettings s = parse(Map.of(), "run");
        assertThat(s.etcdEndpoints()).containsExactly("http://127.0.0.1:4001", "http://127.0.0.1:2379");
        assertThat(s.etcdPrefix()).isEqualTo("/coreos.com/network");
        assertThat(s.subnetFile()).isEqualTo(Path.of("/run/flannel/subnet.env"));
        assertThat(s.renewMargin().toMinutes()).isEqualTo(60);
        assertThat(s.ipMasq()).isFalse();
        assertThat(s.iptablesForwardRules()).isTrue();
        assertThat(s.healthzIp()).isEqualTo("0.0.0.0");
        assertThat(s.healthzPort()).isZero();
        assertThat(s.runDir()).isEqualTo(Path.of("/run/weft"));
        assertThat(s.device()).isNull();
        assertThat(s.offloads()).isTrue();
        assertThat(parse(Map.of(), "run", "--offloads=false").offloads()).isFalse();
        assertThat(parse(Map.of("WEFT_OFFLOADS", "false"), "run").offloads()).isFalse();
    }

    @Test
    void flagsWorkWithOneOrTwoDashesAndWithEqualsSigns() {
        AgentSettings one = parse(Map.of(), "run", "-etcd-endpoints", "http://10.0.0.1:2379,http://10.0.0.2:2379",
                "-etcd-prefix=/my/net", "-iface", "eth1", "-iface", "10.0.0.5", "-public-ip", "203.0.113.7", "-ip-masq",
                "-subnet-lease-renew-margin", "30", "-healthz-port", "8471");
        AgentSettings two = parse(Map.of(), "run", "--etcd-endpoints=http://10.0.0.1:2379,http://10.0.0.2:2379",
                "--etcd-prefix", "/my/net", "--iface=eth1,10.0.0.5", "--public-ip=203.0.113.7", "--ip-masq=true",
                "--subnet-lease-renew-margin=30", "--healthz-port=8471");
        for (AgentSettings s : List.of(one, two)) {
            assertThat(s.etcdEndpoints()).containsExactly("http://10.0.0.1:2379", "http://10.0.0.2:2379");
            assertThat(s.etcdPrefix()).isEqualTo("/my/net");
            assertThat(s.iface()).containsExactly("eth1", "10.0.0.5");
            assertThat(s.publicIp()).isEqualTo("203.0.113.7");
            assertThat(s.ipMasq()).isTrue();
            assertThat(s.renewMargin().toMinutes()).isEqualTo(30);
            assertThat(s.healthzPort()).isEqualTo(8471);
        }
    }

    @Test
    void aFlagGivenTwiceKeepsTheLastValueAsGoFlagsDoButIfaceAccumulates() {
        AgentSettings s = parse(Map.of(), "run", "-etcd-endpoints", "http://10.0.0.1:2379",
                "-etcd-endpoints", "http://10.0.0.9:2379", "-iface", "eth0", "-iface", "eth1");
        assertThat(s.etcdEndpoints()).containsExactly("http://10.0.0.9:2379");
        assertThat(s.iface()).containsExactly("eth0", "eth1");
    }

    @Test
    void flanneldEnvironmentVariablesSetDefaultsAndFlagsOverrideThem() {
        Map<String, String> env = Map.of(
                "FLANNELD_ETCD_ENDPOINTS", "http://192.0.2.1:2379",
                "FLANNELD_ETCD_PREFIX", "/env/net",
                "FLANNELD_IP_MASQ", "true",
                "FLANNELD_IPTABLES_FORWARD_RULES", "false",
                "FLANNELD_SUBNET_FILE", "/tmp/x/subnet.env",
                "FLANNELD_IFACE", "eth7",
                "WEFT_RUN_DIR", "/tmp/weft-run",
                "WEFT_WORKERS", "2");
        AgentSettings s = parse(env, "run", "-etcd-prefix", "/flag/net");
        assertThat(s.etcdEndpoints()).containsExactly("http://192.0.2.1:2379");
        assertThat(s.etcdPrefix()).isEqualTo("/flag/net");
        assertThat(s.ipMasq()).isTrue();
        assertThat(s.iptablesForwardRules()).isFalse();
        assertThat(s.subnetFile()).isEqualTo(Path.of("/tmp/x/subnet.env"));
        assertThat(s.iface()).containsExactly("eth7");
        assertThat(s.runDir()).isEqualTo(Path.of("/tmp/weft-run"));
        assertThat(s.workers()).isEqualTo(2);
    }

    @Test
    void outOfRangeValuesNameTheFlag() {
        assertThatThrownBy(() -> parse(Map.of(), "run", "-subnet-lease-renew-margin", "1440"))
                .hasMessageContaining("-subnet-lease-renew-margin 1440").hasMessageContaining("1..1439");
        assertThatThrownBy(() -> parse(Map.of(), "run", "--device", "a-name-that-is-too-long"))
                .hasMessageContaining("--device").hasMessageContaining("1-15 characters");
        assertThatThrownBy(() -> parse(Map.of(), "run", "-healthz-port", "70000"))
                .hasMessageContaining("-healthz-port 70000");
    }

    @Test
    void publicIpv6IsTakenFromTheFlagOrFlanneldsVariable() {
        assertThat(parse(Map.of(), "run", "-public-ipv6", "fd00::1").publicIpv6()).isEqualTo("fd00::1");
        assertThat(parse(Map.of(), "run", "--public-ipv6=fd00::2").publicIpv6()).isEqualTo("fd00::2");
        assertThat(parse(Map.of("FLANNELD_PUBLIC_IPV6", "fd00::3"), "run").publicIpv6()).isEqualTo("fd00::3");
        assertThat(parse(Map.of(), "run").publicIpv6()).isNull();
    }

    @Test
    void booleansAreReadAsGoReadsThem() {
        for (String t : List.of("1", "t", "T", "TRUE", "true", "True")) {
            assertThat(parse(Map.of(), "run", "-ip-masq=" + t).ipMasq()).as(t).isTrue();
            assertThat(parse(Map.of("FLANNELD_IP_MASQ", t), "run").ipMasq()).as(t).isTrue();
        }
        for (String f : List.of("0", "f", "F", "FALSE", "false", "False")) {
            assertThat(parse(Map.of(), "run", "-iptables-forward-rules=" + f).iptablesForwardRules()).as(f).isFalse();
            assertThat(parse(Map.of("FLANNELD_IPTABLES_FORWARD_RULES", f), "run").iptablesForwardRules()).as(f).isFalse();
        }
        assertThat(parse(Map.of(), "run", "-ip-masq").ipMasq()).isTrue();
        assertThat(parse(Map.of(), "run", "--ip-masq", "-iface", "eth0").iface()).containsExactly("eth0");
        assertThatThrownBy(() -> parse(Map.of(), "run", "-ip-masq=yes")).hasMessageContaining("'yes' is not a boolean");
    }

    @Test
    void aBadFlanneldVariableIsIgnoredWithOneWarningNamingTheValueUsed() {
        Result r = execute(Map.of("FLANNELD_IP_MASQ", "yes", "FLANNELD_HEALTHZ_PORT", "80a"), "run",
                // an invalid margin stops weft right after the warnings, before it starts anything
                "-subnet-lease-renew-margin", "0");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).contains("ignoring FLANNELD_IP_MASQ=yes: not a boolean")
                .contains("using -ip-masq false instead")
                .contains("ignoring FLANNELD_HEALTHZ_PORT=80a: not a whole number");
        assertThat(r.err.split("FLANNELD_IP_MASQ=yes", -1)).as("one warning:\n" + r.err).hasSize(2);
        AgentSettings s = parse(Map.of("FLANNELD_IP_MASQ", "yes"), "run");
        assertThat(s.ipMasq()).isFalse();
    }

    @Test
    void ifaceRegexIsOneExpressionPerFlagAndNeverSplitAtCommas() {
        AgentSettings s = parse(Map.of(), "run", "-iface-regex", "^eth[0-9]{1,2}$", "--iface-regex=^en(o|p)[0-9]+,?$");
        assertThat(s.ifaceRegex()).containsExactly("^eth[0-9]{1,2}$", "^en(o|p)[0-9]+,?$");
        assertThat(parse(Map.of("FLANNELD_IFACE_REGEX", "^eth[0-9]{1,2}$"), "run").ifaceRegex())
                .containsExactly("^eth[0-9]{1,2}$");
    }

    @Test
    void flanneldFlagsAtTheirDefaultsAndKlogFlagsAreAccepted() {
        AgentSettings s = parse(Map.of(), "run", "-ip-masq-fully-random-disable=false", "-set-node-network-unavailable=true",
                "-kube-subnet-mgr=false", "-kube-annotation-prefix", "flannel.alpha.coreos.com", "-public-ipv6=",
                "-net-config-path", "/etc/kube-flannel/net-conf.json", "-v=2", "-vmodule", "main=3",
                "-log_backtrace_at", "main.go:1", "-logtostderr", "-alsologtostderr=false", "-stderrthreshold", "INFO",
                "-iface-can-reach", "10.0.0.1", "-ip-blackhole-route");
        assertThat(s.ipMasqRandomFullyDisable()).isFalse();
        assertThat(s.blackholeRoute()).isTrue();
        assertThat(s.ifaceCanReach()).isEqualTo("10.0.0.1");
        assertThat(s.verbosity()).isEqualTo(2);
        assertThat(parse(Map.of(), "run", "-ip-masq-fully-random-disable").ipMasqRandomFullyDisable()).isTrue();
        assertThat(s.kube()).isNull();
        // -kube-subnet-mgr is a Go boolean like the others, and now selects the Kubernetes subnet manager
        assertThat(parse(Map.of(), "run", "-kube-subnet-mgr=1").kube()).isNotNull();
        assertThat(parse(Map.of("FLANNELD_KUBE_SUBNET_MGR", "T"), "run").kube()).isNotNull();
        assertThat(execute(Map.of("FLANNELD_KUBE_SUBNET_MGR", "0", "FLANNELD_SET_NODE_NETWORK_UNAVAILABLE", "true"),
                "run", "--help").code).isZero();
    }

    @Test
    void aFlanneldVariableOnceRefusedIsTakenWithHelpStillShown() {
        Result ok = execute(Map.of("FLANNELD_PUBLIC_IPV6", "fd00::1"), "run", "--help");
        assertThat(ok.code).isZero();
        assertThat(ok.out).contains("-etcd-endpoints").contains("--run-dir").contains("-public-ipv6");
    }

    @Test
    void kubeModeTakesFlanneldsFlagsAndEnvironment() {
        AgentSettings etcd = parse(Map.of(), "run");
        assertThat(etcd.kube()).isNull();
        assertThat(etcd.nodeIpDnat()).isFalse();

        AgentSettings flags = parse(Map.of(), "run", "-kube-subnet-mgr", "-kube-api-url", "https://10.0.0.1:6443",
                "-kubeconfig-file=/etc/kubernetes/kubelet.conf", "--kube-annotation-prefix", "example.com/net",
                "-net-config-path", "/etc/weft/net-conf.json", "-set-node-network-unavailable=false", "--node-ip-dnat");
        assertThat(flags.kube().apiUrl()).isEqualTo("https://10.0.0.1:6443");
        assertThat(flags.kube().kubeconfigFile()).isEqualTo("/etc/kubernetes/kubelet.conf");
        assertThat(flags.kube().annotationPrefix()).isEqualTo("example.com/net");
        assertThat(flags.kube().netConfigPath()).isEqualTo(Path.of("/etc/weft/net-conf.json"));
        assertThat(flags.kube().setNodeNetworkUnavailable()).isFalse();
        assertThat(flags.nodeIpDnat()).isTrue();

        // kube-flannel.yml's spelling, and the DaemonSet's environment
        AgentSettings manifest = parse(Map.of(), "run", "--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081");
        assertThat(manifest.kube().annotationPrefix()).isEqualTo("flannel.alpha.coreos.com");
        assertThat(manifest.kube().netConfigPath()).isEqualTo(Path.of("/etc/kube-flannel/net-conf.json"));
        assertThat(manifest.kube().setNodeNetworkUnavailable()).isTrue();
        AgentSettings env = parse(Map.of("FLANNELD_KUBE_SUBNET_MGR", "true", "FLANNELD_NET_CONFIG_PATH", "/x/net.json",
                "FLANNELD_KUBE_API_URL", "http://10.98.0.254:6443"), "run");
        assertThat(env.kube().netConfigPath()).isEqualTo(Path.of("/x/net.json"));
        assertThat(env.kube().apiUrl()).isEqualTo("http://10.98.0.254:6443");

        assertThatThrownBy(() -> parse(Map.of(), "run", "--node-ip-dnat"))
                .hasMessageContaining("--node-ip-dnat needs -kube-subnet-mgr");
    }

    @Test
    void anUnknownFlagIsAnErrorWithTheFlagNamed() {
        Result r = execute(Map.of(), "run", "-no-such-flag");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("-no-such-flag");
    }

    @Test
    void aBusyPollOutOfRangeIsOneLineAndNothingStarts() {
        Result r = execute(Map.of(), "run", "--busy-poll-us", "5000");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err.trim()).isEqualTo("weft: --busy-poll-us wants a whole number of microseconds from 0 (off) to 1000, got 5000");
        assertThat(System.getProperty(io.weft.dataplane.socket.BusyPoll.PROPERTY)).as("nothing set").isNull();
        Result env = execute(Map.of("WEFT_BUSY_POLL_US", "-3"), "run");
        assertThat(env.err).contains("--busy-poll-us wants a whole number of microseconds from 0 (off) to 1000, got -3");
    }

    private record Result(int code, String out, String err) {
    }

    private static Result execute(Map<String, String> env, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = WeftMain.execute(args, env);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
