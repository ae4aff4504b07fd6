package io.ebpfagent.probes.symbols;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kernel text symbols from {@code /proc/kallsyms}. Without privileges (or with {@code
 * kptr_restrict}) every address reads 0: the table is then empty and every lookup misses.
 */
public final class KernelSymbols {
    private final SymbolTable table;

    private KernelSymbols(SymbolTable table) {
        this.table = table;
    }

    /** Reads {@code /proc/kallsyms}; no symbols when it cannot be read. */
    public static KernelSymbols load() {
        try {
            return load(Path.of("/proc/kallsyms"));
        } catch (UncheckedIOException unreadable) {
            return none();
        }
    }

    /** No kernel symbols: every kernel frame is {@code [unknown kernel]}. */
    public static KernelSymbols none() {
        return new KernelSymbols(SymbolTable.empty());
    }

    /** Reads a file in kallsyms format ({@code ADDRESS TYPE NAME [MODULE]}, hex address). */
    public static KernelSymbols load(Path file) {
        SymbolTable.Builder b = new SymbolTable.Builder();
        try (BufferedReader r = Files.newBufferedReader(file)) {
            String line;
            while ((line = r.readLine()) != null) {
                int sp1 = line.indexOf(' ');
                if (sp1 <= 0 || sp1 + 3 >= line.length()) {
                    continue;
                }
                char type = line.charAt(sp1 + 1);
                // text only: data symbols interleaved with text would steal addresses
                if (type != 't' && type != 'T' && type != 'w' && type != 'W') {
                    continue;
                }
                long address = Long.parseUnsignedLong(line, 0, sp1, 16);
                if (address == 0) {
                    continue; // hidden from this reader
                }
                int nameStart = sp1 + 3;
                int end = line.indexOf('\t', nameStart);
                b.add(address, 0, line.substring(nameStart, end < 0 ? line.length() : end));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new KernelSymbols(b.build());
    }

    /** False when the addresses were hidden (all 0): every lookup then misses. */
    public boolean available() {
        return table.size() > 0;
    }

    /** Number of text symbols read. */
    public int size() {
        return table.size();
    }

    /** The function containing {@code address} (the nearest symbol at or below it), or null. */
    public String lookup(long address) {
        return table.lookup(address, true);
    }
}
