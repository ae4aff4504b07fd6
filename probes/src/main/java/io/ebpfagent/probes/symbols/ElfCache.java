package io.ebpfagent.probes.symbols;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * Symbols per ELF file, shared by all processes. Keyed by file identity (device and inode as
 * seen through the path) so that a library replaced on disk is read again.
 */
final class ElfCache {
    private static final ElfSymbols NONE = null;

    private final Map<Object, ElfSymbols> byFile = new HashMap<>();
    private final Map<Object, Boolean> unreadable = new HashMap<>();

    /** The file's symbols, or null when it cannot be read as ELF. */
    ElfSymbols get(Path file) {
        Object key;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            key = a.fileKey() != null ? a.fileKey() : file.toString() + '@' + a.lastModifiedTime();
        } catch (IOException e) {
            return NONE;
        }
        ElfSymbols s = byFile.get(key);
        if (s != null || unreadable.containsKey(key)) {
            return s;
        }
        try {
            s = ElfSymbols.read(file);
            byFile.put(key, s);
        } catch (RuntimeException notElf) {
            unreadable.put(key, Boolean.TRUE);
        }
        return s;
    }

    int size() {
        return byFile.size();
    }
}
