package io.ebpfagent.loader.sys;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Helpers for the NUL-terminated text logs the kernel writes (verifier, BTF). */
public final class LogText {
    private LogText() {
    }

    /** The NUL-terminated string at the start of {@code buffer} (the whole buffer if none). */
    public static String read(MemorySegment buffer) {
        long n = 0;
        long size = buffer.byteSize();
        while (n < size && buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, n) != 0) {
            n++;
        }
        return new String(buffer.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                StandardCharsets.UTF_8);
    }

    /** The last {@code count} non-blank lines of {@code log}, joined with "; ". */
    public static String tail(String log, int count) {
        List<String> lines = nonBlankLines(log);
        return String.join("; ", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    /** The non-blank lines of {@code log}, trimmed at the end. */
    public static List<String> nonBlankLines(String log) {
        List<String> out = new ArrayList<>();
        for (String line : log.split("\n")) {
            String t = line.stripTrailing();
            if (!t.isBlank()) {
                out.add(t);
            }
        }
        return out;
    }
}
