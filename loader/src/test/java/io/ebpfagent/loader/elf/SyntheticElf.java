package io.ebpfagent.loader.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds tiny ELF64 files for tests: header, one content section, a section name table. */
final class SyntheticElf {
    private SyntheticElf() {}

    /** Sections: 0 null, 1 the given one, 2 .shstrtab. */
    static byte[] withSection(String name, int type, byte[] contents) {
        byte[] names = ("\0" + name + "\0.shstrtab\0").getBytes();
        int contentsOff = 64;
        int namesOff = contentsOff + contents.length;
        int shoff = (namesOff + names.length + 7) & -8;
        ByteBuffer b = ByteBuffer.allocate(shoff + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.putShort(16, (short) ElfHeader.ET_REL).putShort(18, (short) ElfHeader.EM_BPF).putInt(20, 1)
                .putLong(40, shoff).putShort(52, (short) 64).putShort(58, (short) 64).putShort(60, (short) 3)
                .putShort(62, (short) 2);
        b.put(contentsOff, contents);
        b.put(namesOff, names);
        section(b, shoff + 64, 1, type, contentsOff, contents.length, 4);
        section(b, shoff + 128, 1 + name.length() + 1, ElfSection.SHT_STRTAB, namesOff, names.length, 1);
        return b.array();
    }

    private static void section(ByteBuffer b, int at, int name, int type, long offset, long size, long align) {
        b.putInt(at, name).putInt(at + 4, type).putLong(at + 24, offset).putLong(at + 32, size).putLong(at + 48, align);
    }
}
