package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.Instructions;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.btf.Type.*;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Relocates the compiled test program core.bpf.o against the running kernel's BTF and checks
 * every relocated constant against facts read from the kernel BTF directly.
 */
class CoreObjectTest {
    static final String SECTION = "tp_btf/sched_switch";
    static TestElf elf;
    static Btf local;
    static Btf kernel;
    static List<Instruction> insns;
    static List<CoreRelocation> relos;
    static CoreRelocator.Result result;

    @BeforeAll
    static void relocate() {
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "kernel has no BTF");
        elf = TestElf.resource("/bpf/core.bpf.o");
        local = Btf.parse(elf.section(".BTF"));
        kernel = Btf.kernel();
        BtfExt ext = BtfExt.parse(elf.section(".BTF.ext"), local);
        insns = Instructions.decode(elf.section(SECTION));
        relos = ext.coreRelocations(SECTION);
        result = new CoreRelocator(local, kernel).relocate(insns, relos);
    }

    /** The relocated instruction at a slot. */
    static Instruction at(int slot) {
        int s = 0;
        for (Instruction i : result.instructions()) {
            if (s == slot) return i;
            s += i.slots();
        }
        throw new AssertionError("no instruction at slot " + slot);
    }

    static Member member(Composite c, String name) {
        return c.members().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void everyRelocationOfTheObjectIsHandled() {
        result.outcomes().forEach(System.out::println);
        assertEquals(30, relos.size());
        assertEquals(relos.size(), result.outcomes().size());
        // the slot count never changes: jumps stay valid
        assertEquals(Instructions.slots(insns), Instructions.slots(result.instructions()));
    }

    @Test
    void fieldOffsetsAndSizesAreTheKernels() {
        Struct ts = kernel.find("task_struct", Struct.class);
        long pid = member(ts, "pid").bitOffset() / 8;
        long tgid = member(ts, "tgid").bitOffset() / 8;
        long realParent = member(ts, "real_parent").bitOffset() / 8;
        Member comm = member(ts, "comm");
        assertEquals(pid, at(2).constant());                   // BPF_CORE_READ(t, pid)
        assertEquals(realParent, at(15).constant());           // BPF_CORE_READ(t, real_parent, tgid)
        assertEquals(tgid, at(22).constant());
        assertEquals(tgid, at(33).offset());                   // t->tgid: LDX offset
        assertEquals(OpCode.CLASS_LDX | OpCode.MODE_MEM | OpCode.SIZE_W, at(33).opcode());
        assertEquals(kernel.sizeOf(comm.type()), at(43).constant());
        assertEquals(comm.bitOffset() / 8, at(45).constant());
        assertEquals(comm.bitOffset() / 8 + 3, at(106).constant()); // comm[3]: array index accessor
        assertEquals(pid, at(100).constant());                 // through task_struct___flavor
        assertEquals(1, at(77).constant());                    // pid is signed
    }

    @Test
    void bitfieldReadIsRelocated() {
        Struct ts = kernel.find("task_struct", Struct.class);
        Member m = member(ts, "in_iowait");
        assertEquals(1, m.bitfieldSize());
        long bitOff = m.bitOffset();
        long size = kernel.sizeOf(m.type());
        long byteOff = bitOff / 8 / size * size;
        while (bitOff + 1 - byteOff * 8 > size * 8) {
            size *= 2;
            byteOff = bitOff / 8 / size * size;
        }
        assertEquals(byteOff, at(50).constant());
        assertEquals(size, at(53).constant());
        assertEquals(64 - (bitOff + 1 - byteOff * 8), at(68).constant());
        assertEquals(0, at(69).constant());                    // unsigned
        assertEquals(63, at(71).constant());
        assertEquals(63, at(73).constant());
    }

    @Test
    void existenceTypeAndEnumRelocations() {
        int tsId = kernel.findId("task_struct", Struct.class).getAsInt();
        assertEquals(1, at(34).constant());                    // field exists: pid
        assertEquals(0, at(36).constant());                    // task_struct___flavor.no_such_field
        assertEquals(kernel.sizeOf(tsId), at(38).constant());
        long ringbuf = kernel.find("bpf_map_type", Type.Enum.class).values().stream()
                .filter(v -> v.name().equals("BPF_MAP_TYPE_RINGBUF")).findFirst().orElseThrow().value();
        assertTrue(at(40).isLoadImm64());
        assertEquals(ringbuf, at(40).constant());
        assertEquals(1, at(79).constant());                    // type exists: task_struct___flavor
        assertEquals(0, at(81).constant());                    // struct no_such_kernel_type
        assertEquals(1, at(83).constant());                    // enumerator exists through flavors
        assertEquals(0, at(86).constant());
        assertEquals(ringbuf, at(89).constant());              // 1000 locally, the kernel's value after
        assertEquals(tsId, at(92).constant());                 // kernel type id
        assertEquals(local.findId("task_struct", Struct.class).getAsInt(), at(95).constant());
        // "type matches" compares integer names after typedefs: clang calls the local integers
        // "unsigned long" where the kernel says "long unsigned int", so task_struct does not
        // match (libbpf answers the same); list_head (pointers only) does
        assertEquals(0, at(98).constant());
        assertEquals(1, at(108).constant());
        assertEquals(0, at(102).constant());
    }

    @Test
    void missingFieldAccessIsPoisonedAndExplained() {
        Instruction poisoned = at(104);
        assertEquals(OpCode.CALL, poisoned.opcode());
        assertEquals(CoreRelocator.POISON_HELPER, poisoned.imm());
        assertEquals(195896080, poisoned.imm());
        CoreRelocator.Outcome why = result.poisonedAt(104).orElseThrow();
        assertEquals(CoreRelocationKind.FIELD_BYTE_OFFSET, why.relocation().kind());
        assertTrue(why.spec().contains("task_struct___flavor.no_such_field"), why.spec());
        assertEquals(1, result.poisoned().size());
    }

    @Test
    void extInfoOfTheObject() {
        BtfExt ext = BtfExt.parse(elf.section(".BTF.ext"), local);
        assertTrue(ext.sections().contains(SECTION));
        List<BtfExt.FuncInfo> funcs = ext.funcInfos(SECTION);
        assertEquals(1, funcs.size());
        assertEquals(0, funcs.getFirst().insn());
        assertEquals("core_test", local.type(funcs.getFirst().typeId()).name());
        List<BtfExt.LineInfo> lines = ext.lineInfos(SECTION);
        assertFalse(lines.isEmpty());
        assertTrue(lines.stream().allMatch(l -> l.fileName(local).endsWith("core.bpf.c")));
        BtfExt.LineInfo read = lines.stream().filter(l -> l.line(local).contains("BPF_CORE_READ(t, pid)")).findFirst()
                .orElseThrow();
        assertTrue(read.lineNumber() > 20 && read.column() > 0, read.toString());
        assertEquals(local.string(read.lineOffset()), read.line(local));

        byte[] fi = BtfExt.encodeFuncInfos(funcs, 10);
        assertEquals(BtfExt.FUNC_INFO_SIZE, fi.length);
        var b = java.nio.ByteBuffer.wrap(fi).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(10, b.getInt(0));
        assertEquals(funcs.getFirst().typeId(), b.getInt(4));
        byte[] li = BtfExt.encodeLineInfos(List.of(read), 3);
        var l = java.nio.ByteBuffer.wrap(li).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(read.insn() + 3, l.getInt(0));
        assertEquals(read.fileNameOffset(), l.getInt(4));
        assertEquals(read.lineOffset(), l.getInt(8));
        assertEquals(read.lineNumber() << 10 | read.column(), l.getInt(12));
        // line strings stay valid in the marshalled BTF
        Btf again = Btf.parse(local.marshal());
        assertEquals(read.line(local), again.string(read.lineOffset()));

        // cutting a range out of the section shifts everything to the range start
        BtfExt.ProgramInfo part = ext.forProgram(SECTION, 40, 60);
        assertTrue(part.funcInfos().isEmpty());
        assertTrue(part.coreRelocations().stream().allMatch(r -> r.instruction() >= 0 && r.instruction() < 20));
        assertEquals(relos.stream().filter(r -> r.instruction() >= 40 && r.instruction() < 60).count(), part.coreRelocations().size());
        BtfExt.ProgramInfo whole = ext.forProgram(SECTION, 0, 1000);
        assertEquals(relos, whole.coreRelocations());
        assertEquals(whole.lineInfos().size() * 2, whole.concat(whole.shifted(110)).lineInfos().size());
    }

    @Test
    void corruptExtIsRejected() {
        byte[] ext = elf.section(".BTF.ext").clone();
        ext[0] = 1;
        assertThrows(BtfException.class, () -> BtfExt.parse(ext, local));
        byte[] cut = java.util.Arrays.copyOf(elf.section(".BTF.ext"), 60);
        String msg = assertThrows(BtfException.class, () -> BtfExt.parse(cut, local)).getMessage();
        assertTrue(msg.contains("exceeds"), msg);
    }
}
