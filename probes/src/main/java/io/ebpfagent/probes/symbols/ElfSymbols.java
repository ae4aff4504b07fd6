package io.ebpfagent.probes.symbols;

import io.ebpfagent.loader.elf.ElfFile;
import io.ebpfagent.loader.elf.ElfProgramHeader;
import io.ebpfagent.loader.elf.ElfSymbol;
import java.nio.file.Path;
import java.util.List;

/**
 * Function symbols of one ELF file ({@code .symtab} and {@code .dynsym}) with its {@code PT_LOAD}
 * segments, looked up by file offset: a mapped address minus the mapping start plus the
 * mapping's file offset is a file offset whatever the load bias.
 */
final class ElfSymbols {
    private static final int STT_GNU_IFUNC = 10;

    private final SymbolTable table;
    private final long[] segOffsets;
    private final long[] segSizes;
    private final long[] segVaddrs;

    private ElfSymbols(SymbolTable table, List<ElfProgramHeader> loads) {
        this.table = table;
        int n = loads.size();
        segOffsets = new long[n];
        segSizes = new long[n];
        segVaddrs = new long[n];
        for (int i = 0; i < n; i++) {
            ElfProgramHeader p = loads.get(i);
            segOffsets[i] = p.offset();
            segSizes[i] = p.fileSize();
            segVaddrs[i] = p.virtualAddress();
        }
    }

    static ElfSymbols read(Path file) {
        return of(ElfFile.open(file));
    }

    static ElfSymbols of(ElfFile elf) {
        SymbolTable.Builder b = new SymbolTable.Builder();
        // .symtab first: at equal addresses the first added wins and local names are more precise
        addFunctions(b, elf.symbols());
        addFunctions(b, elf.dynamicSymbols());
        List<ElfProgramHeader> loads = elf.programHeaders().stream()
                .filter(p -> p.type() == ElfProgramHeader.PT_LOAD).toList();
        return new ElfSymbols(b.build(), loads);
    }

    private static void addFunctions(SymbolTable.Builder b, List<ElfSymbol> symbols) {
        for (ElfSymbol s : symbols) {
            int type = s.type();
            if ((type == ElfSymbol.STT_FUNC || type == STT_GNU_IFUNC) && !s.isUndefined() && s.value() != 0
                    && !s.name().isEmpty()) {
                b.add(s.value(), s.size(), s.name());
            }
        }
    }

    int size() {
        return table.size();
    }

    /** The function at a file offset, or null (no symbol, or the offset is in no loaded segment). */
    String lookupFileOffset(long fileOffset) {
        for (int i = 0; i < segOffsets.length; i++) {
            long rel = fileOffset - segOffsets[i];
            if (rel >= 0 && rel < segSizes[i]) {
                return table.lookup(segVaddrs[i] + rel, false);
            }
        }
        return null;
    }
}
