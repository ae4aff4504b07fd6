package io.ebpfagent.loader.elf;

import java.nio.ByteOrder;

/**
 * The ELF file header ({@code Elf64_Ehdr}) with the section count and string table index
 * already resolved through extended numbering (when {@code e_shnum}/{@code e_shstrndx} do not
 * fit, they live in section header 0).
 *
 * @param byteOrder       from {@code EI_DATA}
 * @param osAbi           {@code EI_OSABI}
 * @param type            {@code e_type}: {@link #ET_REL}, {@link #ET_EXEC}, {@link #ET_DYN}, ...
 * @param machine         {@code e_machine}: {@link #EM_BPF}, {@link #EM_X86_64}, ...
 * @param entry           {@code e_entry}
 * @param programHeaderOffset {@code e_phoff}
 * @param sectionHeaderOffset {@code e_shoff}
 * @param flags           {@code e_flags}
 * @param programHeaderEntrySize {@code e_phentsize}
 * @param programHeaderCount     number of program headers
 * @param sectionHeaderEntrySize {@code e_shentsize}
 * @param sectionCount    number of section headers, including the null section 0
 * @param sectionNamesIndex index of the section holding section names
 */
public record ElfHeader(ByteOrder byteOrder, int osAbi, int type, int machine, long entry,
                        long programHeaderOffset, long sectionHeaderOffset, int flags,
                        int programHeaderEntrySize, int programHeaderCount,
                        int sectionHeaderEntrySize, int sectionCount, int sectionNamesIndex) {

    /** Size of {@code Elf64_Ehdr}. */
    public static final int SIZE = 64;

    public static final int ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;
    public static final int EM_X86_64 = 62, EM_AARCH64 = 183, EM_BPF = 247;
}
