package io.ebpfagent.probes.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The BPF programs another process holds (a tool such as runqlat or bpftrace), found through its
 * descriptor table: the program descriptors ({@code anon_inode:bpf-prog}) and the {@code prog_id}
 * line of their {@code /proc/<pid>/fdinfo}.
 */
public final class ProcessPrograms {
    private ProcessPrograms() {
    }

    /** Every descriptor of {@code pid} as {@code fd=link target}, in fd order; empty when the process is gone. */
    public static List<String> descriptors(long pid) {
        List<String> out = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : s.sorted().toList()) {
                try {
                    out.add(fd.getFileName() + "=" + Files.readSymbolicLink(fd));
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            // the process is gone: the caller sees it
        }
        return out;
    }

    /** The ids of the programs {@code pid} has descriptors of. */
    public static List<Integer> programIds(long pid) {
        List<Integer> ids = new ArrayList<>();
        for (String d : descriptors(pid)) {
            if (!d.contains("bpf-prog")) {
                continue;
            }
            String fd = d.substring(0, d.indexOf('='));
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "fdinfo", fd))) {
                    if (line.startsWith("prog_id:")) {
                        ids.add(Integer.parseInt(line.substring(8).trim()));
                    }
                }
            } catch (IOException e) {
                // closed meanwhile
            }
        }
        return ids;
    }
}
