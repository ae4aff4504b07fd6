package io.ebpfagent.loader.link;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.elf.ElfFile;
import io.ebpfagent.loader.elf.ElfSymbol;
import java.util.List;

/**
 * Turns a symbol of an executable or shared library into the file offset uprobes attach to:
 * the symbol's virtual address moved into the file through the {@code PT_LOAD} segment holding
 * it. Names are matched exactly (C++ names in their mangled form).
 */
public final class SymbolResolver {
    private SymbolResolver() {
    }

    /** The file offset of function {@code symbol}, searched in {@code .symtab} then {@code .dynsym}. */
    public static long fileOffset(ElfFile elf, String symbol) {
        ElfSymbol s = find(elf.symbols(), symbol);
        if (s == null) {
            s = find(elf.dynamicSymbols(), symbol);
        }
        if (s == null) {
            throw new LoaderException("symbol " + symbol + " not found in " + elf.origin());
        }
        return elf.fileOffsetOf(s.value());
    }

    private static ElfSymbol find(List<ElfSymbol> symbols, String name) {
        for (ElfSymbol s : symbols) {
            if (!s.isUndefined() && s.value() != 0 && s.name().equals(name)
                    && (s.type() == ElfSymbol.STT_FUNC || s.type() == ElfSymbol.STT_GNU_IFUNC
                        || s.type() == ElfSymbol.STT_NOTYPE)) {
                return s;
            }
        }
        return null;
    }
}
