package io.ebpfagent.probes.symbols;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A {@code /tmp/perf-<pid>.map} file: lines {@code START SIZE NAME}, hexadecimal with or without
 * {@code 0x}, written by the JVM's {@code Compiler.perfmap} command (or perf-map agents). Code
 * cache space is reused, so when ranges overlap the line written last wins.
 */
final class PerfMap {
    private final Path file;
    private SymbolTable table = SymbolTable.empty();
    private long size = -1;
    private long modified = -1;

    PerfMap(Path file) {
        this.file = file;
    }

    /** Re-reads the file when its size or time changed; true when the content changed. */
    boolean reloadIfChanged() {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException absent) {
            boolean had = table.size() > 0;
            table = SymbolTable.empty();
            size = -1;
            modified = -1;
            return had;
        }
        long m = a.lastModifiedTime().toMillis();
        if (a.size() == size && m == modified) {
            return false;
        }
        try {
            table = parse(file);
            size = a.size();
            modified = m;
        } catch (IOException | RuntimeException e) {
            table = SymbolTable.empty();
            size = -1;
        }
        return true;
    }

    boolean isEmpty() {
        return table.size() == 0;
    }

    String lookup(long address) {
        return table.lookup(address, false);
    }

    static SymbolTable parse(Path file) throws IOException {
        java.util.List<String[]> lines = new java.util.ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            String line;
            while ((line = r.readLine()) != null) {
                int sp1 = line.indexOf(' ');
                int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
                if (sp2 < 0) {
                    continue;
                }
                lines.add(new String[] {line.substring(0, sp1), line.substring(sp1 + 1, sp2),
                        line.substring(sp2 + 1)});
            }
        }
        SymbolTable.Builder b = new SymbolTable.Builder();
        // newest first: at equal starts the first added wins
        for (int i = lines.size() - 1; i >= 0; i--) {
            String[] l = lines.get(i);
            try {
                b.add(hex(l[0]), hex(l[1]), javaName(l[2]));
            } catch (NumberFormatException malformed) {
                // skip the line
            }
        }
        return b.build();
    }

    private static long hex(String s) {
        return s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s, 2, s.length(), 16)
                : Long.parseUnsignedLong(s, 16);
    }

    /**
     * HotSpot writes {@code int java.lang.String.hashCode()}: flame graphs read better with
     * {@code java.lang.String.hashCode}. Entries that are no method ({@code Interpreter},
     * {@code StubRoutines (initialstubs)}) stay as they are.
     */
    static String javaName(String raw) {
        String s = raw.strip();
        int paren = s.indexOf('(');
        if (paren <= 0 || !s.endsWith(")")) {
            return s;
        }
        String head = s.substring(0, paren).strip();
        String method = head.substring(head.lastIndexOf(' ') + 1);
        return method.indexOf('.') > 0 ? method : s;
    }
}
