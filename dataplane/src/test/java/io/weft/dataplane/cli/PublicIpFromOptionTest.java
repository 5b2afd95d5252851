package io.weft.dataplane.cli;

import io.weft.dataplane.agent.AgentSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PublicIpFromOptionTest {
    private static AgentSettings parse(Map<String, String> env, String... args) {
        CommandLine.ParseResult pr = WeftMain.commandLine(env).parseArgs(args);
        return ((RunCommand) pr.subcommand().commandSpec().userObject()).options().toSettings();
    }

    @Test
    void theUrlIsTakenFromTheFlagOrFromWeftPublicIpFrom() {
        assertThat(parse(Map.of(), "run", "--public-ip-from=http://10.0.0.9/").publicIpFrom()).isEqualTo("http://10.0.0.9/");
        assertThat(parse(Map.of("WEFT_PUBLIC_IP_FROM", "https://ip.sb"), "run").publicIpFrom()).isEqualTo("https://ip.sb");
        assertThat(parse(Map.of(), "run").publicIpFrom()).isNull();
    }

    @Test
    void itCannotBeCombinedWithPublicIp() {
        assertThatThrownBy(() -> parse(Map.of(), "run", "-public-ip", "203.0.113.7", "--public-ip-from", "https://ip.sb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-public-ip and --public-ip-from both given");
        assertThatThrownBy(() -> parse(Map.of("FLANNELD_PUBLIC_IP", "203.0.113.7"), "run", "--public-ip-from=https://ip.sb"))
                .hasMessageContaining("use one");
    }
}
