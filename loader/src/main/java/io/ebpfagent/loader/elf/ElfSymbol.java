package io.ebpfagent.loader.elf;

/**
 * One symbol ({@code Elf64_Sym}) with its name resolved.
 *
 * @param index        the symbol's index in its table
 * @param name         the name, empty for unnamed symbols
 * @param info         {@code st_info}: binding in the high nibble, type in the low nibble
 * @param other        {@code st_other}: visibility in the low 2 bits
 * @param sectionIndex {@code st_shndx}, or the real index for {@link #SHN_XINDEX} symbols
 * @param value        {@code st_value}: an offset in the section (relocatable files) or a virtual address
 * @param size         {@code st_size}
 */
public record ElfSymbol(int index, String name, int info, int other, int sectionIndex, long value, long size) {
    /**
     * Orders symbols by value (their address or section offset). One shared comparator: each
     * {@code Comparator.comparingLong(ElfSymbol::value)} written at a call site spins classes
     * of its own at a cold start.
     */
    public static final java.util.Comparator<ElfSymbol> BY_VALUE = (a, b) -> Long.compare(a.value(), b.value());


    /** Size of {@code Elf64_Sym}. */
    public static final int SIZE = 24;

    public static final int STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4,
            STT_COMMON = 5, STT_TLS = 6, STT_GNU_IFUNC = 10;
    public static final int STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
    public static final int STV_DEFAULT = 0, STV_INTERNAL = 1, STV_HIDDEN = 2, STV_PROTECTED = 3;
    /** Special section indices. */
    public static final int SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2,
            SHN_XINDEX = 0xffff;

    /** {@code STT_*}. */
    public int type() {
        return info & 0xf;
    }

    /** {@code STB_*}. */
    public int binding() {
        return info >>> 4;
    }

    /** {@code STV_*}. */
    public int visibility() {
        return other & 0x3;
    }

    /** True if the symbol is defined in no section of this file (an extern). */
    public boolean isUndefined() {
        return sectionIndex == SHN_UNDEF;
    }

    @Override
    public String toString() {
        return "symbol " + index + " '" + name + "'";
    }
}
