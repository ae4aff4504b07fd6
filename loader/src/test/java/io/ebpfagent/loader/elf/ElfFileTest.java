package io.ebpfagent.loader.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElfFileTest {
    static byte[] minimal() throws IOException {
        try (InputStream in = ElfFileTest.class.getResourceAsStream("/bpf/minimal.bpf.o")) {
            return in.readAllBytes();
        }
    }

    @Test
    void readsTheHeaderAndSectionsOfAnEbpfObject() throws IOException {
        ElfFile elf = ElfFile.of(minimal(), "minimal.bpf.o");
        ElfHeader h = elf.header();
        assertThat(h.type()).isEqualTo(ElfHeader.ET_REL);
        assertThat(h.machine()).isEqualTo(ElfHeader.EM_BPF);
        assertThat(h.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(elf.sections()).extracting(ElfSection::name).containsExactly("", ".strtab", ".text", ".rel.text",
                "tracepoint/syscalls/sys_enter_getpid", ".reltracepoint/syscalls/sys_enter_getpid", "license", ".rodata",
                ".bss", ".data", ".maps", ".BTF", ".rel.BTF", ".BTF.ext", ".rel.BTF.ext", ".llvm_addrsig", ".symtab");
        ElfSection text = elf.section(".text").orElseThrow();
        assertThat(text.isExecutable()).isTrue();
        assertThat(text.size()).isEqualTo(0xa0);
        assertThat(elf.section(".bss").orElseThrow().isNoBits()).isTrue();
        assertThat(elf.bytes(elf.section(".bss").orElseThrow())).containsExactly(new byte[8]);
        assertThat(new String(elf.bytes(elf.section("license").orElseThrow()), StandardCharsets.US_ASCII))
                .isEqualTo("Dual BSD/GPL\0");
        assertThat(elf.programHeaders()).isEmpty();
        assertThat(elf.section("nope")).isEmpty();
    }

    @Test
    void readsSymbolsAndRelocations() throws IOException {
        ElfFile elf = ElfFile.of(minimal(), "minimal.bpf.o");
        List<ElfSymbol> syms = elf.symbols();
        assertThat(syms).hasSize(11);
        ElfSymbol prog = syms.stream().filter(s -> s.name().equals("on_getpid")).findFirst().orElseThrow();
        assertThat(prog.type()).isEqualTo(ElfSymbol.STT_FUNC);
        assertThat(prog.binding()).isEqualTo(ElfSymbol.STB_GLOBAL);
        assertThat(prog.sectionIndex()).isEqualTo(4);
        assertThat(prog.size()).isEqualTo(272);
        ElfSymbol counts = syms.stream().filter(s -> s.name().equals("counts")).findFirst().orElseThrow();
        assertThat(counts.value()).isEqualTo(16);
        assertThat(counts.type()).isEqualTo(ElfSymbol.STT_OBJECT);

        List<ElfRelocation> rels = elf.relocations(elf.section(".reltracepoint/syscalls/sys_enter_getpid").orElseThrow());
        assertThat(rels).extracting(ElfRelocation::offset).containsExactly(0x20L, 0x58L, 0x68L, 0x80L, 0xc8L);
        assertThat(rels).extracting(ElfRelocation::type).containsExactly(ElfRelocation.R_BPF_64_64,
                ElfRelocation.R_BPF_64_32, ElfRelocation.R_BPF_64_64, ElfRelocation.R_BPF_64_64, ElfRelocation.R_BPF_64_64);
        // a call of a static function relocates against the section symbol of .text (unnamed, section 2)
        assertThat(syms.get(rels.get(1).symbolIndex()).type()).isEqualTo(ElfSymbol.STT_SECTION);
        assertThat(syms.get(rels.get(1).symbolIndex()).sectionIndex()).isEqualTo(2);
        assertThat(syms.get(rels.get(0).symbolIndex()).name()).isEqualTo("target_tgid");
        // as llvm-readelf -r shows: .BTF has NODYLD32 and one ABS32 (target_tgid), .BTF.ext only NODYLD32
        assertThat(elf.relocations(elf.section(".rel.BTF").orElseThrow())).extracting(ElfRelocation::type)
                .containsOnly(ElfRelocation.R_BPF_64_NODYLD32, ElfRelocation.R_BPF_64_ABS32)
                .contains(ElfRelocation.R_BPF_64_ABS32);
        assertThat(elf.relocations(elf.section(".rel.BTF.ext").orElseThrow())).extracting(ElfRelocation::type)
                .containsOnly(ElfRelocation.R_BPF_64_NODYLD32);
    }

    @Test
    void bigEndianFilesAreReadInTheirByteOrder() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 2, 1, 0});
        b.putShort(16, (short) ElfHeader.ET_REL).putShort(18, (short) ElfHeader.EM_BPF).putInt(20, 1)
                .putShort(52, (short) 64);
        ElfFile elf = ElfFile.of(b.array(), "be");
        assertThat(elf.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
        assertThat(elf.header().machine()).isEqualTo(ElfHeader.EM_BPF);
        assertThat(elf.sections()).isEmpty();
        assertThat(elf.symbols()).isEmpty();
    }

    @Test
    void parsesNotesWithPadding() {
        // two notes: "GNU" type 3 with 4 bytes, "stapsdt" type 3 with 5 bytes (padded to 8)
        ByteBuffer n = ByteBuffer.allocate(12 + 4 + 4 + 12 + 8 + 8).order(ByteOrder.LITTLE_ENDIAN);
        n.putInt(4).putInt(4).putInt(3).put("GNU\0".getBytes()).putInt(0xdeadbeef);
        n.putInt(8).putInt(5).putInt(3).put("stapsdt\0".getBytes()).put(new byte[] {1, 2, 3, 4, 5, 0, 0, 0});
        byte[] file = SyntheticElf.withSection(".note.test", ElfSection.SHT_NOTE, n.array());
        ElfFile elf = ElfFile.of(file, "notes");
        List<ElfNote> notes = elf.notes(elf.section(".note.test").orElseThrow());
        assertThat(notes).extracting(ElfNote::name).containsExactly("GNU", "stapsdt");
        assertThat(notes.get(1).descriptor()).containsExactly(1, 2, 3, 4, 5);
        assertThat(notes.get(1).type()).isEqualTo(ElfNote.NT_STAPSDT);

        byte[] cut = SyntheticElf.withSection(".note.test", ElfSection.SHT_NOTE, java.util.Arrays.copyOf(n.array(), 40));
        ElfFile bad = ElfFile.of(cut, "cut-notes");
        assertThatThrownBy(() -> bad.notes(bad.section(".note.test").orElseThrow())).isInstanceOf(ElfException.class)
                .hasMessageContaining("cut-notes: truncated note at offset 20");
    }
}
