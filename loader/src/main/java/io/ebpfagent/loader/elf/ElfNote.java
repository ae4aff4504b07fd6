package io.ebpfagent.loader.elf;

/**
 * One note of an {@code SHT_NOTE} section or {@code PT_NOTE} segment.
 *
 * @param name        the owner name without its terminating NUL ({@code "stapsdt"}, {@code "GNU"})
 * @param type        {@code n_type}, meaningful per owner (3 = {@code NT_STAPSDT}, 3 = {@code NT_GNU_BUILD_ID})
 * @param descriptor  the descriptor bytes
 * @param offset      byte offset of the note's header within its section or segment
 */
public record ElfNote(String name, int type, byte[] descriptor, long offset) {

    public static final int NT_GNU_BUILD_ID = 3, NT_STAPSDT = 3;
}
