package io.ebpfagent.loader.elf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The reader on the shared library the agent cares about: the running JVM's libjvm.so. */
class SharedLibraryTest {

    private static Path libjvm() {
        Path p = Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
        Assumptions.assumeTrue(Files.isReadable(p), "no libjvm.so at " + p);
        return p;
    }

    @Test
    void dynamicSymbolsAndProgramHeaders() {
        ElfFile elf = ElfFile.open(libjvm());
        assertThat(elf.header().type()).isEqualTo(ElfHeader.ET_DYN);
        assertThat(elf.programHeaders()).anyMatch(p -> p.type() == ElfProgramHeader.PT_LOAD
                && (p.flags() & ElfProgramHeader.PF_X) != 0);
        ElfSymbol create = elf.dynamicSymbols().stream().filter(s -> s.name().equals("JNI_CreateJavaVM"))
                .findFirst().orElseThrow();
        assertThat(create.type()).isEqualTo(ElfSymbol.STT_FUNC);
        assertThat(create.isUndefined()).isFalse();
        long fileOffset = elf.fileOffsetOf(create.value());
        ElfSection text = elf.section(".text").orElseThrow();
        // in a file-backed PT_LOAD segment, the offset of a .text address is its offset in .text
        assertThat(fileOffset - text.offset()).isEqualTo(create.value() - text.address());
    }

    @Test
    void stapsdtNotesNameHotspotProbes() {
        ElfFile elf = ElfFile.open(libjvm());
        var section = elf.section(".note.stapsdt");
        Assumptions.assumeTrue(section.isPresent(), "this JVM was built without USDT probes");
        List<ElfNote> notes = elf.notes(section.get());
        assertThat(notes).isNotEmpty().allMatch(n -> n.name().equals("stapsdt") && n.type() == ElfNote.NT_STAPSDT);
        // descriptor: pc, base, semaphore (3 x u64), then "provider\0name\0args\0"
        List<String> names = notes.stream().map(n -> {
            String s = new String(n.descriptor(), 24, n.descriptor().length - 24);
            String[] parts = s.split("\0", -1);
            return parts[0] + ":" + parts[1];
        }).toList();
        assertThat(names).contains("hotspot:gc__begin", "hotspot:thread__start");
    }
}
