package io.ebpfagent.loader.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.maps.MapFlags;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class MinimalObjectTest {
    private final CollectionSpec spec = TestObjects.load("minimal.bpf.o");

    @Test
    void hasTheProgramWithItsSectionMeaning() {
        assertThat(spec.programs()).containsOnlyKeys("on_getpid");
        ProgramSpec p = spec.program("on_getpid");
        assertThat(p.type()).isEqualTo(ProgramType.TRACEPOINT);
        assertThat(p.attachType()).isNull();
        assertThat(p.attachTo()).isEqualTo("syscalls/sys_enter_getpid");
        assertThat(p.sectionName()).isEqualTo("tracepoint/syscalls/sys_enter_getpid");
        assertThat(p.license()).isEqualTo("Dual BSD/GPL");
        assertThat(p.flags()).isZero();
    }

    @Test
    void appendsTheStaticSubprogramAndFixesTheCall() {
        ProgramSpec p = spec.program("on_getpid");
        List<Instruction> insns = p.instructions();
        // on_getpid is 34 slots, bump 20
        assertThat(spec.functions("on_getpid")).containsExactly(
                new CollectionSpec.FunctionOffset("on_getpid", "tracepoint/syscalls/sys_enter_getpid", 0, 34),
                new CollectionSpec.FunctionOffset("bump", ".text", 34, 20));
        assertThat(io.ebpfagent.loader.asm.Instructions.slots(insns)).isEqualTo(54);
        Instruction call = at(insns, 11);
        assertThat(call.isFunctionCall()).isTrue();
        assertThat(call.reference()).isEqualTo("bump");
        assertThat(call.imm()).isEqualTo(34 - 11 - 1);
        assertThat(at(insns, 0).symbol()).isEqualTo("on_getpid");
        assertThat(at(insns, 34).symbol()).isEqualTo("bump");
        assertThat(insns.getLast().opcode()).isEqualTo(OpCode.EXIT);
    }

    @Test
    void resolvesMapAndGlobalDataReferences() {
        List<Instruction> insns = spec.program("on_getpid").instructions();
        assertLoad(at(insns, 4), OpCode.PSEUDO_MAP_VALUE, ".rodata", 0);
        assertLoad(at(insns, 13), OpCode.PSEUDO_MAP_VALUE, ".bss", 0);
        assertLoad(at(insns, 16), OpCode.PSEUDO_MAP_FD, "events", 0);
        assertLoad(at(insns, 25), OpCode.PSEUDO_MAP_VALUE, ".data", 0);
        assertLoad(at(insns, 34 + 5), OpCode.PSEUDO_MAP_FD, "counts", 0);
        assertLoad(at(insns, 34 + 15), OpCode.PSEUDO_MAP_FD, "counts", 0);
        long refs = insns.stream().filter(i -> i.reference() != null).count();
        assertThat(refs).isEqualTo(7);
    }

    @Test
    void readsBtfDefinedMaps() {
        MapSpec counts = spec.map("counts");
        assertThat(counts.type()).isEqualTo(MapType.HASH);
        assertThat(counts.keySize()).isEqualTo(4);
        assertThat(counts.valueSize()).isEqualTo(8);
        assertThat(counts.maxEntries()).isEqualTo(1024);
        assertThat(counts.btfKeyTypeId()).isPositive();
        assertThat(spec.types().name(spec.types().type(counts.btfKeyTypeId()))).isEqualTo("__u32");
        assertThat(spec.types().name(spec.types().type(counts.btfValueTypeId()))).isEqualTo("__u64");
        MapSpec events = spec.map("events");
        assertThat(events.type()).isEqualTo(MapType.RINGBUF);
        assertThat(events.maxEntries()).isEqualTo(64 * 1024);
        assertThat(events.keySize()).isZero();
        assertThat(events.valueSize()).isZero();
        assertThat(spec.maps().keySet()).containsExactly("events", "counts", ".rodata", ".bss", ".data");
    }

    @Test
    void globalDataSectionsBecomeSingleEntryArrays() {
        MapSpec rodata = spec.map(".rodata");
        assertThat(rodata.type()).isEqualTo(MapType.ARRAY);
        assertThat(rodata.keySize()).isEqualTo(4);
        assertThat(rodata.valueSize()).isEqualTo(4);
        assertThat(rodata.maxEntries()).isEqualTo(1);
        assertThat(rodata.freeze()).isTrue();
        assertThat(rodata.flags() & MapFlags.RDONLY_PROG).isNotZero();
        assertThat(rodata.btfValueTypeId()).isPositive();
        assertThat(spec.types().type(rodata.btfValueTypeId()).name()).isEqualTo(".rodata");
        MapSpec data = spec.map(".data");
        assertThat(data.freeze()).isFalse();
        assertThat(data.flags() & MapFlags.RDONLY_PROG).isZero();
        assertThat(ByteBuffer.wrap(data.contents().getFirst().value()).order(ByteOrder.LITTLE_ENDIAN).getLong())
                .isEqualTo(0xfeedfaceL);
        assertThat(spec.map(".bss").contents().getFirst().value()).containsExactly(new byte[8]);
    }

    @Test
    void variablesReadAndWriteTheirSectionCopy() {
        assertThat(spec.variables()).containsOnlyKeys("target_tgid", "hits", "magic");
        VariableSpec magic = spec.variable("magic");
        assertThat(magic.section()).isEqualTo(".data");
        assertThat(magic.offset()).isZero();
        assertThat(magic.size()).isEqualTo(8);
        assertThat(magic.getLong()).isEqualTo(0xfeedfaceL);
        assertThat(spec.types().name(spec.types().type(magic.typeId()))).isEqualTo("__u64");

        VariableSpec tgid = spec.variable("target_tgid");
        assertThat(tgid.isConstant()).isTrue();
        MapSpec before = spec.map(".rodata");
        CollectionSpec copy = spec.copy();
        tgid.set(4242);
        assertThat(tgid.getLong()).isEqualTo(4242);
        assertThat(spec.map(".rodata").contents().getFirst().value()).containsExactly(0x92, 0x10, 0, 0);
        // copy-on-write: earlier MapSpecs and copies are unchanged
        assertThat(before.contents().getFirst().value()).containsExactly(0, 0, 0, 0);
        assertThat(copy.variable("target_tgid").getLong()).isZero();
        assertThatThrownBy(() -> tgid.set(1L << 32)).hasMessageContaining("does not fit");
        assertThatThrownBy(() -> tgid.set(new byte[3])).hasMessageContaining("4 bytes");
    }

    @Test
    void layoutForTheBtfDatasecFixup() {
        assertThat(spec.sectionSizes()).containsEntry(".maps", 48).containsEntry(".rodata", 4).containsEntry("license", 13);
        assertThat(spec.symbolOffsets()).containsEntry("counts", 16).containsEntry("events", 0)
                .containsEntry("target_tgid", 0).containsEntry("LICENSE", 0);
        var fixed = spec.types().withDatasecFixups(spec.sectionSizes(), spec.symbolOffsets());
        assertThat(fixed.datasec(".maps").orElseThrow().size()).isEqualTo(48);
    }

    @Test
    void funcAndLineInfoAreRelativeToTheLinkedProgram() {
        ProgramSpec.BtfExtInfo ext = spec.program("on_getpid").btfExt();
        assertThat(ext).isNotNull();
        assertThat(ext.funcInfoRecordSize()).isEqualTo(8);
        assertThat(ext.funcInfoCount()).isEqualTo(2);
        ByteBuffer f = ByteBuffer.wrap(ext.funcInfo()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(f.getInt(0)).isZero();
        assertThat(spec.types().type(f.getInt(4)).name()).isEqualTo("on_getpid");
        assertThat(f.getInt(8)).isEqualTo(34);
        assertThat(spec.types().type(f.getInt(12)).name()).isEqualTo("bump");
        assertThat(ext.lineInfoRecordSize()).isEqualTo(16);
        assertThat(ext.lineInfoCount()).isGreaterThan(5);
        ByteBuffer l = ByteBuffer.wrap(ext.lineInfo()).order(ByteOrder.LITTLE_ENDIAN);
        int prev = -1;
        boolean sawSubprogram = false;
        for (int i = 0; i < ext.lineInfoCount(); i++) {
            int insn = l.getInt(i * 16);
            assertThat(insn).isGreaterThanOrEqualTo(prev).isLessThan(54);
            sawSubprogram |= insn >= 34;
            prev = insn;
        }
        assertThat(sawSubprogram).isTrue();
        assertThat(spec.program("on_getpid").coreRelocations()).isEmpty();
    }

    static Instruction at(List<Instruction> insns, int slot) {
        int s = 0;
        for (Instruction i : insns) {
            if (s == slot) return i;
            s += i.slots();
        }
        throw new AssertionError("no instruction starts at slot " + slot);
    }

    static void assertLoad(Instruction i, int src, String reference, long constant) {
        assertThat(i.isLoadImm64()).as("%s is lddw", i).isTrue();
        assertThat(i.src()).as("src of %s", i).isEqualTo(src);
        assertThat(i.reference()).as("reference of %s", i).isEqualTo(reference);
        assertThat(i.constant()).as("constant of %s", i).isEqualTo(constant);
    }
}
