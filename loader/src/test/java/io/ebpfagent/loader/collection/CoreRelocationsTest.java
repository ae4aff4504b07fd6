package io.ebpfagent.loader.collection;

import static io.ebpfagent.loader.collection.MinimalObjectTest.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.btf.CoreRelocation;
import io.ebpfagent.loader.btf.CoreRelocationKind;
import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import org.junit.jupiter.api.Test;

/** corelink.bpf.o: CO-RE relocations in a program and in the subprogram appended to it. */
class CoreRelocationsTest {
    private final CollectionSpec spec = TestObjects.load("corelink.bpf.o");

    @Test
    void relocationsAreRelativeToTheLinkedProgram() {
        ProgramSpec p = spec.program("on_fork");
        assertThat(p.type()).isEqualTo(ProgramType.TRACING);
        assertThat(p.attachType()).isEqualTo(AttachType.TRACE_RAW_TP);
        assertThat(p.attachTo()).isEqualTo("sched_process_fork");
        assertThat(spec.functions("on_fork")).extracting(CollectionSpec.FunctionOffset::slot).containsExactly(0, 24);
        assertThat(p.coreRelocations()).extracting(CoreRelocation::instruction).containsExactly(2, 18, 25, 31);
        assertThat(p.coreRelocations()).extracting(CoreRelocation::accessor).containsExactly("0:92", "0:5", "0:95", "0:93");
        assertThat(p.coreRelocations()).extracting(CoreRelocation::kind).containsExactly(
                CoreRelocationKind.FIELD_BYTE_OFFSET, CoreRelocationKind.FIELD_EXISTS,
                CoreRelocationKind.FIELD_BYTE_OFFSET, CoreRelocationKind.FIELD_BYTE_OFFSET);
        for (CoreRelocation r : p.coreRelocations()) {
            assertThat(spec.types().type(r.typeId()).name()).isEqualTo("task_struct");
            // every relocated instruction here is a mov of the compile-time value into a register
            assertThat(at(p.instructions(), r.instruction()).opcode()).isEqualTo(0xb7);
        }
        assertThat(at(p.instructions(), 25).constant()).isEqualTo(0x500);
    }
}
