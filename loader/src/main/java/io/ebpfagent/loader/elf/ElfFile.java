package io.ebpfagent.loader.elf;

import io.ebpfagent.loader.sys.Mmap;
import io.ebpfagent.loader.sys.SyscallException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A 64-bit ELF file held in memory (a byte array, a buffer, or a read-only mapping of a file).
 *
 * <p>The header and the section headers are parsed and validated on construction; symbols,
 * relocations and notes are parsed on request. Every offset, size and index taken from the
 * file is bounds-checked, so a truncated or corrupt file fails with an {@link ElfException}
 * naming the problem. Instances are immutable and safe to share between threads.
 */
public final class ElfFile {
    private static final int EI_NIDENT = 16;
    private static final int ELFCLASS64 = 2;
    private static final int ELFDATA2LSB = 1, ELFDATA2MSB = 2;
    private static final int EV_CURRENT = 1;
    private static final int PN_XNUM = 0xffff;

    private final String origin;
    private final ByteBuffer data;
    private final ElfHeader header;
    private final List<ElfSection> sections;
    private final List<ElfProgramHeader> programHeaders;

    private ElfFile(ByteBuffer buffer, String origin) {
        this.origin = origin;
        ByteBuffer in = buffer.slice();
        if (in.remaining() < EI_NIDENT) {
            throw error("file of " + in.remaining() + " bytes is too short for an ELF identification");
        }
        if (in.get(0) != 0x7f || in.get(1) != 'E' || in.get(2) != 'L' || in.get(3) != 'F') {
            throw error(String.format("bad magic %02x %02x %02x %02x, not an ELF file",
                    in.get(0), in.get(1), in.get(2), in.get(3)));
        }
        int elfClass = in.get(4) & 0xff;
        if (elfClass != ELFCLASS64) throw error("ELF class " + elfClass + " is not supported (only 64-bit ELF)");
        int encoding = in.get(5) & 0xff;
        ByteOrder order = switch (encoding) {
            case ELFDATA2LSB -> ByteOrder.LITTLE_ENDIAN;
            case ELFDATA2MSB -> ByteOrder.BIG_ENDIAN;
            default -> throw error("unknown data encoding " + encoding + " in the ELF identification");
        };
        if ((in.get(6) & 0xff) != EV_CURRENT) throw error("unknown ELF version " + (in.get(6) & 0xff));
        this.data = in.asReadOnlyBuffer().order(order);
        this.header = readHeader();
        this.sections = Collections.unmodifiableList(readSections());
        this.programHeaders = Collections.unmodifiableList(readProgramHeaders());
    }

    /** Reads an ELF file from bytes; {@code origin} names it in error messages. */
    public static ElfFile of(byte[] bytes, String origin) {
        return new ElfFile(ByteBuffer.wrap(bytes), origin);
    }

    /** Reads an ELF file from the remaining bytes of a buffer (not copied; the caller must not change them). */
    public static ElfFile of(ByteBuffer buffer, String origin) {
        return new ElfFile(buffer, origin);
    }

    /**
     * Maps a file read-only and reads it. The mapping stays valid after the descriptor is closed
     * and is removed once the returned object is unreachable; large shared libraries are not
     * copied onto the heap. Mapped with {@code mmap(2)} directly: {@code FileChannel.map} creates
     * its buffer reflectively, which costs a cold JVM about twenty spun classes.
     */
    public static ElfFile open(Path path) {
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new ElfException(path + ": cannot read: " + e.getMessage(), e);
        }
        if (size > Integer.MAX_VALUE) {
            throw new ElfException(path + ": file of " + size + " bytes is larger than the 2 GiB this reader maps");
        }
        if (size == 0) {
            return new ElfFile(ByteBuffer.allocate(0), path.toString());
        }
        try {
            return new ElfFile(Mmap.mapFile(Arena.ofAuto(), path, size).asByteBuffer().asReadOnlyBuffer(),
                    path.toString());
        } catch (SyscallException e) {
            throw new ElfException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** What this file was read from, as given to the factory. */
    public String origin() {
        return origin;
    }

    public ElfHeader header() {
        return header;
    }

    public ByteOrder byteOrder() {
        return header.byteOrder();
    }

    /** All section headers, index 0 (the null section) included, so that list index = section index. */
    public List<ElfSection> sections() {
        return sections;
    }

    /** The section with the given index. */
    public ElfSection section(int index) {
        if (index < 0 || index >= sections.size()) {
            throw error("section index " + index + " out of range (" + sections.size() + " sections)");
        }
        return sections.get(index);
    }

    /** The first section with the given name. */
    public Optional<ElfSection> section(String name) {
        for (ElfSection s : sections) {
            if (s.name().equals(name)) return Optional.of(s);
        }
        return Optional.empty();
    }

    /** All sections of a type ({@link ElfSection#SHT_NOTE}, ...), in file order. */
    public List<ElfSection> sectionsOfType(int type) {
        List<ElfSection> out = new ArrayList<>();
        for (ElfSection s : sections) {
            if (s.type() == type) out.add(s);
        }
        return out;
    }

    /** The program headers (empty for relocatable objects). */
    public List<ElfProgramHeader> programHeaders() {
        return programHeaders;
    }

    /**
     * The contents of a section as a read-only buffer in the file's byte order, positioned at 0.
     * {@code SHT_NOBITS} sections have no contents in the file: the buffer is empty.
     */
    public ByteBuffer contents(ElfSection section) {
        if (section.isNoBits() || section.type() == ElfSection.SHT_NULL) return ByteBuffer.allocate(0).order(byteOrder());
        return slice(section.offset(), section.size(), section);
    }

    /**
     * A copy of a section's contents; for {@code SHT_NOBITS} sections the zeros they stand for.
     */
    public byte[] bytes(ElfSection section) {
        if (section.isNoBits()) {
            if (section.size() > Integer.MAX_VALUE - 8) throw error(section + " of " + section.size() + " bytes is too large");
            return new byte[(int) section.size()];
        }
        ByteBuffer b = contents(section);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** The file bytes of a segment. */
    public ByteBuffer contents(ElfProgramHeader segment) {
        return slice(segment.offset(), segment.fileSize(), "segment at offset " + segment.offset());
    }

    /** The symbols of {@code .symtab} (the first {@code SHT_SYMTAB} section), or an empty list. */
    public List<ElfSymbol> symbols() {
        List<ElfSection> tabs = sectionsOfType(ElfSection.SHT_SYMTAB);
        return tabs.isEmpty() ? List.of() : symbols(tabs.getFirst());
    }

    /** The symbols of {@code .dynsym} (the first {@code SHT_DYNSYM} section), or an empty list. */
    public List<ElfSymbol> dynamicSymbols() {
        List<ElfSection> tabs = sectionsOfType(ElfSection.SHT_DYNSYM);
        return tabs.isEmpty() ? List.of() : symbols(tabs.getFirst());
    }

    /**
     * The symbols of a symbol table section, symbol 0 included (list index = symbol index).
     * Each symbol's section index is checked against the section count.
     */
    public List<ElfSymbol> symbols(ElfSection table) {
        if (table.type() != ElfSection.SHT_SYMTAB && table.type() != ElfSection.SHT_DYNSYM) {
            throw error(table + " is not a symbol table (type " + table.type() + ")");
        }
        checkEntries(table, ElfSymbol.SIZE);
        ElfSection strings = linkedSection(table, "string table");
        ByteBuffer extended = extendedIndexTable(table);
        ByteBuffer in = contents(table);
        int count = (int) (table.size() / ElfSymbol.SIZE);
        List<ElfSymbol> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int base = i * ElfSymbol.SIZE;
            long nameOffset = Integer.toUnsignedLong(in.getInt(base));
            int info = in.get(base + 4) & 0xff;
            int other = in.get(base + 5) & 0xff;
            int shndx = in.getShort(base + 6) & 0xffff;
            long value = in.getLong(base + 8);
            long size = in.getLong(base + 16);
            if (shndx == ElfSymbol.SHN_XINDEX) {
                if (extended == null || extended.limit() < (i + 1) * 4) {
                    throw error("symbol " + i + " of " + table + " has an extended section index but no SHT_SYMTAB_SHNDX entry");
                }
                shndx = extended.getInt(i * 4);
            }
            if ((shndx < ElfSymbol.SHN_LORESERVE || shndx > ElfSymbol.SHN_XINDEX) && (shndx < 0 || shndx >= sections.size())) {
                throw error("symbol " + i + " of " + table + " refers to section " + shndx
                        + " out of range (" + sections.size() + " sections)");
            }
            String name = string(strings, nameOffset, "name of symbol", i, table);
            out.add(new ElfSymbol(i, name, info, other, shndx, value, size));
        }
        return Collections.unmodifiableList(out);
    }

    /** The relocation entries of an {@code SHT_REL} or {@code SHT_RELA} section. */
    public List<ElfRelocation> relocations(ElfSection section) {
        boolean rela = section.type() == ElfSection.SHT_RELA;
        if (!rela && section.type() != ElfSection.SHT_REL) {
            throw error(section + " is not a relocation section (type " + section.type() + ")");
        }
        int entrySize = rela ? 24 : 16;
        checkEntries(section, entrySize);
        ByteBuffer in = contents(section);
        int count = (int) (section.size() / entrySize);
        List<ElfRelocation> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int base = i * entrySize;
            long offset = in.getLong(base);
            long info = in.getLong(base + 8);
            long addend = rela ? in.getLong(base + 16) : 0;
            long symbol = info >>> 32;
            if (symbol > Integer.MAX_VALUE) throw error("relocation " + i + " of " + section + " has symbol index " + symbol);
            out.add(new ElfRelocation(offset, (int) symbol, (int) info, addend));
        }
        return Collections.unmodifiableList(out);
    }

    /** The notes of an {@code SHT_NOTE} section. */
    public List<ElfNote> notes(ElfSection section) {
        if (section.type() != ElfSection.SHT_NOTE) throw error(section + " is not a note section (type " + section.type() + ")");
        return parseNotes(contents(section), section.alignment() == 8 ? 8 : 4, section.toString());
    }

    /** The notes of a {@code PT_NOTE} segment. */
    public List<ElfNote> notes(ElfProgramHeader segment) {
        if (segment.type() != ElfProgramHeader.PT_NOTE) throw error("segment of type " + segment.type() + " is not PT_NOTE");
        return parseNotes(contents(segment), segment.alignment() == 8 ? 8 : 4, "note segment at offset " + segment.offset());
    }

    /** The NUL-terminated string at {@code offset} of a string table section. */
    public String string(ElfSection stringTable, long offset) {
        return string(stringTable, offset, "string at offset", offset, null);
    }

    /** The {@code PT_LOAD} segment whose file-backed part holds a virtual address. */
    public Optional<ElfProgramHeader> loadSegmentContaining(long virtualAddress) {
        for (ElfProgramHeader p : programHeaders) {
            if (p.type() == ElfProgramHeader.PT_LOAD && p.containsAddress(virtualAddress)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /**
     * The file offset of a virtual address of a shared library or executable (what uprobes take),
     * through the {@code PT_LOAD} segment containing it.
     */
    public long fileOffsetOf(long virtualAddress) {
        ElfProgramHeader p = loadSegmentContaining(virtualAddress)
                .orElseThrow(() -> error("no PT_LOAD segment contains address 0x" + Long.toHexString(virtualAddress)));
        return virtualAddress - p.virtualAddress() + p.offset();
    }

    // ---------------------------------------------------------------- parsing

    private ElfHeader readHeader() {
        if (data.limit() < ElfHeader.SIZE) {
            throw error("truncated ELF header: file has " + data.limit() + " bytes, the header needs " + ElfHeader.SIZE);
        }
        int type = data.getShort(16) & 0xffff;
        int machine = data.getShort(18) & 0xffff;
        int version = data.getInt(20);
        if (version != EV_CURRENT) throw error("unknown ELF version " + version + " in e_version");
        long entry = data.getLong(24);
        long phoff = data.getLong(32);
        long shoff = data.getLong(40);
        int flags = data.getInt(48);
        int ehsize = data.getShort(52) & 0xffff;
        int phentsize = data.getShort(54) & 0xffff;
        int phnum = data.getShort(56) & 0xffff;
        int shentsize = data.getShort(58) & 0xffff;
        int shnum = data.getShort(60) & 0xffff;
        int shstrndx = data.getShort(62) & 0xffff;
        if (ehsize < ElfHeader.SIZE) throw error("e_ehsize " + ehsize + " is smaller than the 64-byte ELF64 header");
        if (shoff != 0 && shentsize < ElfSection.HEADER_SIZE) {
            throw error("e_shentsize " + shentsize + " is smaller than a section header (64 bytes)");
        }
        if (phoff != 0 && phnum != 0 && phentsize < ElfProgramHeader.SIZE) {
            throw error("e_phentsize " + phentsize + " is smaller than a program header (56 bytes)");
        }
        // extended numbering: counts that do not fit 16 bits live in section header 0
        if (shoff != 0 && (shnum == 0 || shstrndx == ElfSymbol.SHN_XINDEX || phnum == PN_XNUM)) {
            checkRange(shoff, ElfSection.HEADER_SIZE, "section header 0");
            int base = (int) shoff;
            if (shnum == 0) {
                long n = data.getLong(base + 32);
                if (n < 0 || n > Integer.MAX_VALUE / ElfSection.HEADER_SIZE) throw error("extended section count " + n + " is out of range");
                shnum = (int) n;
            }
            if (shstrndx == ElfSymbol.SHN_XINDEX) shstrndx = data.getInt(base + 40);
            if (phnum == PN_XNUM) phnum = data.getInt(base + 44);
        }
        if (shoff == 0) shnum = 0;
        return new ElfHeader(data.order(), data.get(7) & 0xff, type, machine, entry, phoff, shoff, flags,
                phentsize, phnum, shentsize, shnum, shstrndx);
    }

    private List<ElfSection> readSections() {
        int count = header.sectionCount();
        if (count == 0) return List.of();
        long tableSize = (long) count * header.sectionHeaderEntrySize();
        checkRange(header.sectionHeaderOffset(), tableSize, "section header table of " + count + " entries");
        if (header.sectionNamesIndex() >= count && header.sectionNamesIndex() != ElfSymbol.SHN_UNDEF) {
            throw error("section name table index " + header.sectionNamesIndex() + " out of range (" + count + " sections)");
        }
        long[] nameOffsets = new long[count];
        List<ElfSection> raw = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int base = (int) (header.sectionHeaderOffset() + (long) i * header.sectionHeaderEntrySize());
            nameOffsets[i] = Integer.toUnsignedLong(data.getInt(base));
            int type = data.getInt(base + 4);
            long flags = data.getLong(base + 8);
            long addr = data.getLong(base + 16);
            long offset = data.getLong(base + 24);
            long size = data.getLong(base + 32);
            int link = data.getInt(base + 40);
            int info = data.getInt(base + 44);
            long align = data.getLong(base + 48);
            long entsize = data.getLong(base + 56);
            raw.add(new ElfSection(i, "", type, flags, addr, offset, size, link, info, align, entsize));
        }
        for (ElfSection s : raw) {
            if (s.index() != 0 && !s.isNoBits() && s.type() != ElfSection.SHT_NULL) {
                checkRange(s.offset(), s.size(), "contents of section " + s.index());
            }
        }
        if (header.sectionNamesIndex() == ElfSymbol.SHN_UNDEF) return raw;
        ElfSection names = raw.get(header.sectionNamesIndex());
        if (names.type() != ElfSection.SHT_STRTAB) {
            throw error("section name table (section " + names.index() + ") is not a string table (type " + names.type() + ")");
        }
        List<ElfSection> out = new ArrayList<>(count);
        for (ElfSection s : raw) {
            int i = s.index();
            String name = string(names, nameOffsets[i], "name of section", i, null);
            out.add(new ElfSection(i, name, s.type(), s.flags(), s.address(), s.offset(), s.size(), s.link(),
                    s.info(), s.alignment(), s.entrySize()));
        }
        return out;
    }

    private List<ElfProgramHeader> readProgramHeaders() {
        int count = header.programHeaderCount();
        if (count == 0 || header.programHeaderOffset() == 0) return List.of();
        checkRange(header.programHeaderOffset(), (long) count * header.programHeaderEntrySize(),
                "program header table of " + count + " entries");
        List<ElfProgramHeader> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int base = (int) (header.programHeaderOffset() + (long) i * header.programHeaderEntrySize());
            out.add(new ElfProgramHeader(data.getInt(base), data.getInt(base + 4), data.getLong(base + 8),
                    data.getLong(base + 16), data.getLong(base + 24), data.getLong(base + 32),
                    data.getLong(base + 40), data.getLong(base + 48)));
        }
        return out;
    }

    private ByteBuffer extendedIndexTable(ElfSection table) {
        for (ElfSection s : sections) {
            if (s.type() == ElfSection.SHT_SYMTAB_SHNDX && s.link() == table.index()) return contents(s);
        }
        return null;
    }

    private ElfSection linkedSection(ElfSection section, String what) {
        if (section.link() <= 0 || section.link() >= sections.size()) {
            throw error(section + " links to " + what + " section " + section.link() + " out of range ("
                    + sections.size() + " sections)");
        }
        return sections.get(section.link());
    }

    private void checkEntries(ElfSection section, int entrySize) {
        if (section.entrySize() != 0 && section.entrySize() != entrySize) {
            throw error(section + " has entry size " + section.entrySize() + ", expected " + entrySize);
        }
        if (section.size() % entrySize != 0) {
            throw error(section + " size " + section.size() + " is not a multiple of its entry size " + entrySize);
        }
    }

    private List<ElfNote> parseNotes(ByteBuffer in, int align, String where) {
        List<ElfNote> out = new ArrayList<>();
        int pos = 0;
        while (pos < in.limit()) {
            if (in.limit() - pos < 12) throw error("truncated note header at offset " + pos + " of " + where);
            long nameSize = Integer.toUnsignedLong(in.getInt(pos));
            long descSize = Integer.toUnsignedLong(in.getInt(pos + 4));
            int type = in.getInt(pos + 8);
            long nameStart = pos + 12L;
            long descStart = alignUp(nameStart + nameSize, align);
            long end = alignUp(descStart + descSize, align);
            if (descStart + descSize > in.limit()) {
                throw error("truncated note at offset " + pos + " of " + where + ": name " + nameSize
                        + " and descriptor " + descSize + " bytes exceed the " + in.limit() + " bytes");
            }
            int nameLength = (int) nameSize;
            while (nameLength > 0 && in.get((int) nameStart + nameLength - 1) == 0) nameLength--;
            byte[] name = new byte[nameLength];
            in.get((int) nameStart, name);
            byte[] desc = new byte[(int) descSize];
            in.get((int) descStart, desc);
            out.add(new ElfNote(new String(name, StandardCharsets.UTF_8), type, desc, pos));
            pos = (int) Math.min(end, in.limit());
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The string at {@code offset} of {@code table}. Errors name it as "{@code what number}" (and
     * "of {@code owner}" when given): the parts rather than a message supplier, because each
     * supplier lambda is one more class to spin on every cold start.
     */
    private String string(ElfSection table, long offset, String what, long number, ElfSection owner) {
        if (table.type() != ElfSection.SHT_STRTAB) {
            throw error(subject(what, number, owner) + ": " + table + " is not a string table");
        }
        if (offset < 0 || offset >= table.size()) {
            throw error(subject(what, number, owner) + ": offset " + offset + " out of range of " + table
                    + " (" + table.size() + " bytes)");
        }
        int start = (int) (table.offset() + offset);
        int end = (int) (table.offset() + table.size());
        int i = start;
        while (i < end && data.get(i) != 0) i++;
        if (i == end) {
            throw error(subject(what, number, owner) + ": string at offset " + offset + " of " + table
                    + " is not NUL-terminated");
        }
        byte[] b = new byte[i - start];
        data.get(start, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String subject(String what, long number, ElfSection owner) {
        return owner == null ? what + " " + number : what + " " + number + " of " + owner;
    }

    /** {@code what} names the range in errors; its text is built only then. */
    private ByteBuffer slice(long offset, long size, Object what) {
        checkRange(offset, size, what);
        return data.slice((int) offset, (int) size).order(data.order());
    }

    private void checkRange(long offset, long size, Object what) {
        if (offset < 0 || size < 0 || offset > data.limit() || size > data.limit() - offset) {
            throw error("truncated file: " + what + " at offset " + Long.toUnsignedString(offset) + " with "
                    + Long.toUnsignedString(size) + " bytes lies beyond the end of the file (" + data.limit() + " bytes)");
        }
    }

    private static long alignUp(long v, int align) {
        return (v + align - 1) & -align;
    }

    private ElfException error(String message) {
        return new ElfException(origin + ": " + message);
    }
}
