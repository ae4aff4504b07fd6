package io.ebpfagent.loader.elf;

/**
 * One program header ({@code Elf64_Phdr}): a segment of a shared library or executable.
 * Needed to turn a symbol's virtual address into a file offset (uprobes attach by file offset).
 *
 * @param type           {@code p_type} ({@link #PT_LOAD}, ...)
 * @param flags          {@code p_flags} ({@link #PF_X}, {@link #PF_W}, {@link #PF_R})
 * @param offset         {@code p_offset}
 * @param virtualAddress {@code p_vaddr}
 * @param physicalAddress {@code p_paddr}
 * @param fileSize       {@code p_filesz}
 * @param memorySize     {@code p_memsz}
 * @param alignment      {@code p_align}
 */
public record ElfProgramHeader(int type, int flags, long offset, long virtualAddress, long physicalAddress,
                               long fileSize, long memorySize, long alignment) {

    /** Size of {@code Elf64_Phdr}. */
    public static final int SIZE = 56;

    public static final int PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4,
            PT_PHDR = 6, PT_TLS = 7, PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551,
            PT_GNU_RELRO = 0x6474e552;
    public static final int PF_X = 1, PF_W = 2, PF_R = 4;

    /** True if the virtual address lies in the file-backed part of this segment. */
    public boolean containsAddress(long address) {
        return Long.compareUnsigned(address, virtualAddress) >= 0
                && Long.compareUnsigned(address - virtualAddress, fileSize) < 0;
    }
}
