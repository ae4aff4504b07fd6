package io.ebpfagent.loader.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.elf.ElfException;
import io.ebpfagent.loader.elf.ElfFile;
import io.ebpfagent.loader.elf.ElfSection;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects damaged in one place fail with an ElfException naming the place. */
class CorruptObjectTest {

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ElfSection section(byte[] b, String name) {
        return ElfFile.of(b, "t").section(name).orElseThrow();
    }

    @Test
    void truncatedObject() {
        byte[] full = TestObjects.bytes("minimal.bpf.o");
        assertThatThrownBy(() -> CollectionSpec.load(Arrays.copyOf(full, full.length / 2), "half.o"))
                .isInstanceOf(ElfException.class).hasMessageStartingWith("half.o: truncated file:");
    }

    @Test
    void notAnEbpfObject() {
        byte[] b = TestObjects.bytes("minimal.bpf.o");
        le(b).putShort(18, (short) 62);
        assertThatThrownBy(() -> CollectionSpec.load(b, "x86.o")).hasMessage("x86.o: not an eBPF object (e_machine 62)");
    }

    @Test
    void relocationInTheMiddleOfAnLddw() {
        byte[] b = TestObjects.bytes("minimal.bpf.o");
        ElfSection rel = section(b, ".reltracepoint/syscalls/sys_enter_getpid");
        le(b).putLong((int) rel.offset(), 0x28); // the second slot of the lddw at slot 4
        assertThatThrownBy(() -> CollectionSpec.load(b, "m.o")).isInstanceOf(ElfException.class)
                .hasMessage("m.o: relocation at offset 40 of section tracepoint/syscalls/sys_enter_getpid"
                        + " does not point at an instruction");
    }

    @Test
    void relocationAgainstASymbolOutOfRange() {
        byte[] b = TestObjects.bytes("minimal.bpf.o");
        ElfSection rel = section(b, ".reltracepoint/syscalls/sys_enter_getpid");
        le(b).putLong((int) rel.offset() + 8, (999L << 32) | 1);
        assertThatThrownBy(() -> CollectionSpec.load(b, "m.o")).isInstanceOf(ElfException.class)
                .hasMessage("m.o: relocation in section tracepoint/syscalls/sys_enter_getpid refers to symbol 999"
                        + " out of range (11 symbols)");
    }

    @Test
    void callIntoTheMiddleOfAFunction() {
        byte[] b = TestObjects.bytes("multi.bpf.o");
        ElfSection text = section(b, ".text");
        // middle (slot 3 of .text) calls leaf with imm 9; make it land two slots later
        int imm = (int) text.offset() + 3 * 8 + 4;
        assertThat(le(b).getInt(imm)).isEqualTo(9);
        le(b).putInt(imm, 11);
        assertThatThrownBy(() -> CollectionSpec.load(b, "multi.o")).isInstanceOf(ElfException.class)
                .hasMessage("multi.o: call at instruction 3 of section .text to instruction 15, where no function starts");
    }

    @Test
    void malformedLddw() {
        byte[] b = TestObjects.bytes("minimal.bpf.o");
        ElfSection prog = section(b, "tracepoint/syscalls/sys_enter_getpid");
        b[(int) prog.offset() + 5 * 8] = 0x61; // second slot of the lddw at slot 4 gets an opcode
        assertThatThrownBy(() -> CollectionSpec.load(b, "m.o")).isInstanceOf(ElfException.class)
                .hasMessage("m.o: section tracepoint/syscalls/sys_enter_getpid, instruction 4: lddw second slot has opcode 0x61");
    }

    @Test
    void btfMapsWithoutBtf() {
        byte[] b = TestObjects.bytes("minimal.bpf.o");
        ElfSection strtab = section(b, ".strtab");
        String names = new String(b, (int) strtab.offset(), (int) strtab.size(), StandardCharsets.ISO_8859_1);
        int at = names.indexOf(".BTF\0");
        assertThat(at).isNotNegative();
        b[(int) strtab.offset() + at + 3] = 'X'; // .BTF -> .BTX
        assertThatThrownBy(() -> CollectionSpec.load(b, "m.o")).isInstanceOf(ElfException.class)
                .hasMessage("m.o: section .maps needs BTF, but the object has no .BTF section");
    }

    @Test
    void loadsFromPathsAndStreams(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("minimal.bpf.o");
        Files.write(p, TestObjects.bytes("minimal.bpf.o"));
        assertThat(CollectionSpec.load(p).programs()).containsOnlyKeys("on_getpid");
        assertThat(CollectionSpec.load(new ByteArrayInputStream(TestObjects.bytes("minimal.bpf.o"))).maps())
                .containsKeys("counts", "events");
        assertThatThrownBy(() -> CollectionSpec.load(dir.resolve("missing.o"))).isInstanceOf(LoaderException.class)
                .hasMessageContaining("missing.o: cannot read");
    }
}
