package io.ebpfagent.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** docs/benchmarks.md, where each benchmark keeps its latest report between a pair of its own markers. */
final class BenchmarksDoc {
    private BenchmarksDoc() {
    }

    /**
     * Puts {@code report} between the two {@code marker} lines of the repository's
     * docs/benchmarks.md, replacing what was there, or appends the marked section when the file
     * has none yet; the rest of the file stays as it is.
     */
    static Path writeSection(Path root, String marker, String report) throws IOException {
        Path out = root.resolve("docs/benchmarks.md");
        String existing = Files.exists(out) ? Files.readString(out) : "# Benchmarks\n";
        int at = existing.indexOf(marker);
        int end = at >= 0 ? existing.indexOf(marker, at + marker.length()) : -1;
        String head = at >= 0 ? existing.substring(0, at) : existing.stripTrailing() + "\n\n";
        String tail = end >= 0 ? existing.substring(end + marker.length()) : "\n";
        Files.writeString(out, head + marker + "\n" + report + marker + tail);
        return out;
    }
}
