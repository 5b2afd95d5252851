package io.weft.dataplane.cli;

import io.weft.dataplane.BuildVersion;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code weft --version}: the build's version. flanneld spells the flag {@code -version}, so that spelling is accepted
 * too, on {@code weft} and on {@code weft run} (a flanneld unit file's command line becomes {@code weft run ...}).
 */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"weft " + BuildVersion.version()};
    }

    /** Adds flanneld's {@code -version} beside picocli's {@code -V, --version} on {@code command} (hidden from help). */
    static void acceptFlanneldSpelling(CommandLine command) {
        CommandSpec spec = command.getCommandSpec();
        spec.versionProvider(new VersionProvider());
        spec.addOption(OptionSpec.builder("-version").versionHelp(true).hidden(true)
                .description("print the version and exit (flanneld's spelling of --version)").build());
    }
}
