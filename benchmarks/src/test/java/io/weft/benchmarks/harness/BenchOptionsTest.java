package io.weft.benchmarks.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchOptionsTest {

    @Test
    void defaultsAreThreeRunsOfFiveSecondsOverEveryPath() {
        BenchOptions o = BenchOptions.parse(new String[0]);
        assertThat(o.runs()).isEqualTo(3);
        assertThat(o.seconds()).isEqualTo(5);
        assertThat(o.paths()).containsExactly(BenchPath.values());
        assertThat(o.jmh()).isFalse();
        assertThat(o.wire()).as("the veth's own offloads unless --wire").isFalse();
        assertThat(BenchOptions.parse(new String[] {"--wire"}).wire()).isTrue();
        assertThat(o.weftJar()).isEqualTo(o.repo().resolve("dataplane/target/weft.jar"));
        assertThat(o.resultsRoot()).isEqualTo(o.repo().resolve("benchmarks/results"));
    }

    @Test
    void natIsItsOwnConditionAndNamedInTheReport() {
        BenchOptions o = BenchOptions.parse(new String[0]);
        assertThat(o.nat()).isFalse();
        assertThat(o.warmupSeconds()).isEqualTo(PathMeasurement.WARMUP_SECONDS);
        assertThat(BenchOptions.parse(new String[] {"--warmup", "12"}).warmupSeconds()).isEqualTo(12);
        assertThat(o.condition()).startsWith("default");
        BenchOptions n = BenchOptions.parse(new String[] {"--nat"});
        assertThat(n.nat()).isTrue();
        assertThat(n.condition()).startsWith("--nat");
        assertThat(BenchOptions.parse(new String[] {"--wire"}).condition()).startsWith("--wire");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--nat", "--wire"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("separate conditions");
    }

    @Test
    void conditionsRunsEachOfTheThreeWithTheSameOtherOptions() {
        BenchOptions all = BenchOptions.parse(new String[] {"--conditions", "--runs", "2", "--paths", "weft-weft"});
        assertThat(all.allConditions()).isTrue();
        assertThat(BenchOptions.parse(new String[0]).allConditions()).isFalse();
        BenchOptions wire = all.inCondition(true, false);
        BenchOptions nat = all.inCondition(false, true);
        BenchOptions plain = all.inCondition(false, false);
        assertThat(List.of(plain.conditionId(), wire.conditionId(), nat.conditionId())).containsExactly("default", "wire", "nat");
        assertThat(wire.wire()).isTrue();
        assertThat(nat.nat()).isTrue();
        for (BenchOptions o : List.of(plain, wire, nat)) {
            assertThat(o.allConditions()).isFalse();
            assertThat(o.runs()).isEqualTo(2);
            assertThat(o.paths()).isEqualTo(all.paths());
        }
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--conditions", "--nat"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give it alone");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--conditions", "--jmh"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--jmh in an invocation of its own");
    }

    @Test
    void quickIsOneRunOfTwoSecondsUnlessToldOtherwise() {
        BenchOptions q = BenchOptions.parse(new String[] {"--quick"});
        assertThat(q.runs()).isEqualTo(1);
        assertThat(q.seconds()).isEqualTo(2);
        BenchOptions r = BenchOptions.parse(new String[] {"--runs", "4", "--quick"});
        assertThat(r.runs()).isEqualTo(4);
        assertThat(r.seconds()).isEqualTo(2);
    }

    @Test
    void pathsKeepReportOrderAndAlwaysIncludeTheKernelReference() {
        BenchOptions o = BenchOptions.parse(new String[] {"--paths", "weft-weft,veth"});
        assertThat(o.paths()).containsExactly(BenchPath.VETH, BenchPath.KERNEL, BenchPath.WEFT_WEFT);
    }

    @Test
    void anIpv6PathBringsTheIpv6KernelReferenceToo() {
        BenchOptions o = BenchOptions.parse(new String[] {"--paths", "weft-weft6,weft-weft"});
        assertThat(o.paths()).containsExactly(BenchPath.KERNEL, BenchPath.WEFT_WEFT, BenchPath.KERNEL6, BenchPath.WEFT_WEFT6);
        assertThat(BenchOptions.parse(new String[] {"--paths", "weft-weft"}).paths()).doesNotContain(BenchPath.KERNEL6);
    }

    @Test
    void jmhArgsImplyJmhAndReplaceTheDefaults() {
        assertThat(BenchOptions.parse(new String[] {"--jmh"}).jmhArgs()).isEqualTo(BenchOptions.DEFAULT_JMH_ARGS);
        BenchOptions o = BenchOptions.parse(new String[] {"--jmh-args", "Encap -prof gc -f 1"});
        assertThat(o.jmh()).isTrue();
        assertThat(o.jmhArgs()).containsExactly("Encap", "-prof", "gc", "-f", "1");
    }

    @Test
    void weftRunsWithTheServicesJvmOptions(@TempDir Path repo) throws IOException {
        Files.createDirectories(repo.resolve("src/systemd"));
        Files.writeString(repo.resolve("src/systemd/weft.env"), "# comment\nWEFT_ARGS=\nWEFT_JAVA_OPTS=-Xmx128m -XX:+UseSerialGC\n");
        BenchOptions o = BenchOptions.parse(new String[] {"--repo", repo.toString()});
        assertThat(o.weftJavaOptions()).containsExactly("-Xmx128m", "-XX:+UseSerialGC");
        BenchOptions given = BenchOptions.parse(new String[] {"--repo", repo.toString(), "--weft-java-opts", "-Xmx1g"});
        assertThat(given.weftJavaOptions()).isEqualTo(List.of("-Xmx1g"));
        assertThat(BenchOptions.systemdJavaOptions(repo.resolve("nowhere"))).isEqualTo(BenchOptions.FALLBACK_JAVA_OPTS);
    }

    @Test
    void badArgumentsSayWhatIsWrong() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--runs", "0"})).hasMessage("--runs must be between 1 and 50, got 0");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--duration", "five"})).hasMessage("--duration wants a whole number, got 'five'");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--runs"})).hasMessage("--runs needs a value");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--fast"})).hasMessage("unknown option '--fast'");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--paths", "wireguard"}))
                .hasMessageStartingWith("unknown path 'wireguard'; the paths are: veth,kernel-vxlan,");
    }

    @Test
    void helpIsRecognisedAnywhere() {
        assertThat(BenchOptions.wantsHelp(new String[] {"--quick", "--help"})).isTrue();
        assertThat(BenchOptions.wantsHelp(new String[] {"--quick"})).isFalse();
    }
}
