package io.ebpfagent.loader.elf;

/**
 * One section header ({@code Elf64_Shdr}) with its name resolved.
 *
 * @param index     the section's index in the section header table
 * @param name      the name from the section name string table
 * @param type      {@code sh_type} ({@link #SHT_PROGBITS}, {@link #SHT_SYMTAB}, ...)
 * @param flags     {@code sh_flags} ({@link #SHF_EXECINSTR}, ...)
 * @param address   {@code sh_addr}
 * @param offset    {@code sh_offset}, the position of the contents in the file
 * @param size      {@code sh_size}
 * @param link      {@code sh_link} (string table of a symbol table, symbol table of a relocation section)
 * @param info      {@code sh_info} (section a relocation section applies to)
 * @param alignment {@code sh_addralign}
 * @param entrySize {@code sh_entsize}
 */
public record ElfSection(int index, String name, int type, long flags, long address, long offset,
                         long size, int link, int info, long alignment, long entrySize) {

    /** Size of {@code Elf64_Shdr}. */
    public static final int HEADER_SIZE = 64;

    public static final int SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4,
            SHT_HASH = 5, SHT_DYNAMIC = 6, SHT_NOTE = 7, SHT_NOBITS = 8, SHT_REL = 9, SHT_DYNSYM = 11,
            SHT_SYMTAB_SHNDX = 18, SHT_GNU_HASH = 0x6ffffff6, SHT_LLVM_ADDRSIG = 0x6fff4c03;

    public static final long SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4, SHF_MERGE = 0x10,
            SHF_STRINGS = 0x20, SHF_INFO_LINK = 0x40, SHF_COMPRESSED = 0x800;

    /** True if the section holds instructions. */
    public boolean isExecutable() {
        return (flags & SHF_EXECINSTR) != 0;
    }

    /** True if the section occupies no space in the file (e.g. {@code .bss}). */
    public boolean isNoBits() {
        return type == SHT_NOBITS;
    }

    /** True for {@code SHT_REL} and {@code SHT_RELA}. */
    public boolean isRelocation() {
        return type == SHT_REL || type == SHT_RELA;
    }

    @Override
    public String toString() {
        return "section " + index + " '" + name + "'";
    }
}
