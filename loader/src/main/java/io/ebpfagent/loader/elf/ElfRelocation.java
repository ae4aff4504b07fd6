package io.ebpfagent.loader.elf;

/**
 * One relocation entry ({@code Elf64_Rel} or {@code Elf64_Rela}).
 *
 * @param offset      {@code r_offset}: byte offset in the section the relocations apply to
 *                    (relocatable files) or a virtual address (shared objects)
 * @param symbolIndex the symbol, an index in the relocation section's linked symbol table
 * @param type        the machine-specific relocation type ({@link #R_BPF_64_64}, ...)
 * @param addend      the explicit addend of {@code SHT_RELA}; 0 for {@code SHT_REL}, whose addend
 *                    is stored in the relocated field itself
 */
public record ElfRelocation(long offset, int symbolIndex, int type, long addend) {

    /** eBPF relocation types (llvm's BPF ELF relocations, Documentation/bpf/llvm_reloc.rst). */
    public static final int R_BPF_NONE = 0, R_BPF_64_64 = 1, R_BPF_64_ABS64 = 2, R_BPF_64_ABS32 = 3,
            R_BPF_64_NODYLD32 = 4, R_BPF_64_32 = 10;
}
