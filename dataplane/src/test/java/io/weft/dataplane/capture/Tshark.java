package io.weft.dataplane.capture;

import io.weft.labkit.SystemTests;
import io.weft.labkit.process.Cmd;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads a pcap file with tshark and returns the requested fields, one line per packet. */
final class Tshark {
    private Tshark() {
    }

    /** {@code tshark -r file [extra...] -T fields -E separator=| -e f1 -e f2 ...}, minus tshark's root warning. */
    static List<String> fields(Path file, List<String> extra, String... fields) {
        SystemTests.requireBinary("tshark", "tshark");
        List<String> cmd = new ArrayList<>(List.of("tshark", "-r", file.toString()));
        cmd.addAll(extra);
        cmd.addAll(List.of("-T", "fields", "-E", "separator=|"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        String out = Cmd.run(60, cmd).requireOk().output();
        return Arrays.stream(out.split("\n")).filter(l -> !l.isBlank() && !l.startsWith("Running as user")).toList();
    }
}
