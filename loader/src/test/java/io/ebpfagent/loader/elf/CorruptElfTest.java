package io.ebpfagent.loader.elf;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.loader.LoaderException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt files fail with an ElfException that names the problem, never with a runtime exception of the JDK. */
class CorruptElfTest {

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void badMagic() throws IOException {
        byte[] b = ElfFileTest.minimal();
        b[1] = 'X';
        assertThatThrownBy(() -> ElfFile.of(b, "x.o")).isInstanceOf(ElfException.class).isInstanceOf(LoaderException.class)
                .hasMessage("x.o: bad magic 7f 58 4c 46, not an ELF file");
    }

    @Test
    void tooShortForTheIdentification() {
        assertThatThrownBy(() -> ElfFile.of(new byte[3], "tiny")).isInstanceOf(ElfException.class)
                .hasMessageContaining("tiny: file of 3 bytes is too short");
    }

    @Test
    void wrongClass() throws IOException {
        byte[] b = ElfFileTest.minimal();
        b[4] = 1;
        assertThatThrownBy(() -> ElfFile.of(b, "x.o")).hasMessageContaining("ELF class 1 is not supported");
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] b = Arrays.copyOf(ElfFileTest.minimal(), 40);
        assertThatThrownBy(() -> ElfFile.of(b, "x.o")).isInstanceOf(ElfException.class)
                .hasMessageContaining("truncated ELF header: file has 40 bytes");
    }

    @Test
    void truncatedFileCutsOffTheSectionHeaders() throws IOException {
        byte[] full = ElfFileTest.minimal();
        byte[] b = Arrays.copyOf(full, full.length - 100);
        assertThatThrownBy(() -> ElfFile.of(b, "x.o")).isInstanceOf(ElfException.class)
                .hasMessageContaining("truncated file: section header table of 17 entries");
    }

    @Test
    void sectionContentsBeyondTheFile() throws IOException {
        byte[] b = ElfFileTest.minimal();
        long shoff = le(b).getLong(40);
        // section 2 (.text): sh_offset far beyond the end
        le(b).putLong((int) shoff + 2 * 64 + 24, 1L << 40);
        assertThatThrownBy(() -> ElfFile.of(b, "x.o")).isInstanceOf(ElfException.class)
                .hasMessageContaining("truncated file: contents of section 2 at offset 1099511627776");
    }

    @Test
    void sectionNameTableIndexOutOfRange() throws IOException {
        byte[] b = ElfFileTest.minimal();
        le(b).putShort(62, (short) 200);
        assertThatThrownBy(() -> ElfFile.of(b, "x.o")).hasMessage("x.o: section name table index 200 out of range (17 sections)");
    }

    @Test
    void sectionNameOffsetOutOfRange() throws IOException {
        byte[] b = ElfFileTest.minimal();
        long shoff = le(b).getLong(40);
        le(b).putInt((int) shoff + 3 * 64, 0x7fffffff);
        assertThatThrownBy(() -> ElfFile.of(b, "x.o")).hasMessageContaining("name of section 3: offset 2147483647 out of range");
    }

    @Test
    void symbolWithSectionIndexOutOfRange() throws IOException {
        byte[] b = ElfFileTest.minimal();
        ElfFile elf = ElfFile.of(b, "x.o");
        ElfSection symtab = elf.section(".symtab").orElseThrow();
        // symbol 4 (on_getpid): st_shndx
        le(b).putShort((int) symtab.offset() + 4 * 24 + 6, (short) 999);
        ElfFile bad = ElfFile.of(b, "x.o");
        assertThatThrownBy(bad::symbols).isInstanceOf(ElfException.class)
                .hasMessage("x.o: symbol 4 of section 16 '.symtab' refers to section 999 out of range (17 sections)");
    }

    @Test
    void relocationSectionWithBadEntrySize() throws IOException {
        byte[] b = ElfFileTest.minimal();
        ElfFile elf = ElfFile.of(b, "x.o");
        ElfSection rel = elf.section(".rel.text").orElseThrow();
        long shoff = le(b).getLong(40);
        le(b).putLong((int) shoff + rel.index() * 64 + 32, rel.size() - 3);
        ElfFile bad = ElfFile.of(b, "x.o");
        assertThatThrownBy(() -> bad.relocations(bad.section(".rel.text").orElseThrow()))
                .hasMessageContaining("size 29 is not a multiple of its entry size 16");
    }

    @Test
    void missingFile(@TempDir Path dir) {
        assertThatThrownBy(() -> ElfFile.open(dir.resolve("nope.so"))).isInstanceOf(ElfException.class)
                .hasMessageContaining("nope.so: cannot read");
    }

    @Test
    void mappedFileIsReadLikeBytes(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("m.o");
        Files.write(p, ElfFileTest.minimal());
        ElfFile elf = ElfFile.open(p);
        org.assertj.core.api.Assertions.assertThat(elf.symbols()).hasSize(11);
        org.assertj.core.api.Assertions.assertThat(elf.origin()).isEqualTo(p.toString());
    }
}
