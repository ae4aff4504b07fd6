/**
 * A reader of 64-bit ELF files: relocatable eBPF objects as well as shared libraries and
 * executables ({@code ET_DYN}/{@code ET_EXEC}), either byte order.
 *
 * <p>{@link io.ebpfagent.loader.elf.ElfFile} gives the header, section headers with names,
 * program headers, symbol tables ({@code .symtab}, {@code .dynsym}), relocation sections
 * ({@code SHT_REL}/{@code SHT_RELA}) and notes ({@code .note.*}, e.g. {@code .note.stapsdt}).
 * Every offset, size and index read from the file is checked before use; a malformed file
 * raises {@link io.ebpfagent.loader.elf.ElfException} naming the problem, never an
 * {@link java.lang.IndexOutOfBoundsException}.
 */
package io.ebpfagent.loader.elf;
