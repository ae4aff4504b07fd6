package io.ebpfagent.loader.collection;

import static io.ebpfagent.loader.collection.MinimalObjectTest.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.Instructions;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.ProgramFlags;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Programs of multi.bpf.o: several per section, shared subprogram chains, a global function, a callback. */
class LinkerTest {
    private final CollectionSpec spec = TestObjects.load("multi.bpf.o");

    @Test
    void everyFunctionOfAProgramSectionIsAProgramAndTextFunctionsAreNot() {
        assertThat(spec.programs()).containsOnlyKeys("xdp_one", "xdp_two", "tp_calls_global", "sleepy");
        assertThat(spec.program("xdp_one").type()).isEqualTo(ProgramType.XDP);
        assertThat(spec.program("xdp_one").attachType()).isEqualTo(AttachType.XDP);
        assertThat(spec.program("xdp_two").sectionName()).isEqualTo("xdp");
        assertThat(spec.program("tp_calls_global").type()).isEqualTo(ProgramType.TRACEPOINT);
        ProgramSpec sleepy = spec.program("sleepy");
        assertThat(sleepy.type()).isEqualTo(ProgramType.KPROBE);
        assertThat(sleepy.attachTo()).isEqualTo("libc.so.6:malloc");
        assertThat(sleepy.flags()).isEqualTo(ProgramFlags.SLEEPABLE);
        assertThat(sleepy.license()).isEqualTo("GPL");
    }

    @Test
    void appendsTransitiveCalleesOnceInOrderOfFirstUse() {
        assertThat(names(spec.functions("xdp_one"))).containsExactly("xdp_one", "middle", "leaf");
        assertThat(names(spec.functions("xdp_two"))).containsExactly("xdp_two", "loop_cb", "shared_global", "leaf");
        assertThat(names(spec.functions("tp_calls_global"))).containsExactly("tp_calls_global", "shared_global", "leaf");
        assertThat(names(spec.functions("sleepy"))).containsExactly("sleepy");
    }

    @Test
    void everyCallAndFunctionPointerLandsOnItsCalleesFirstInstruction() {
        int checked = 0;
        for (ProgramSpec p : spec.programs().values()) {
            Map<Integer, Instruction> bySlot = new HashMap<>();
            int slot = 0;
            for (Instruction i : p.instructions()) {
                bySlot.put(slot, i);
                slot += i.slots();
            }
            for (Map.Entry<Integer, Instruction> e : bySlot.entrySet()) {
                Instruction i = e.getValue();
                if (!i.isFunctionCall() && !i.isLoadOfFunctionPointer()) continue;
                Instruction target = bySlot.get(e.getKey() + i.imm() + 1);
                assertThat(target).as("target of %s in %s", i, p.name()).isNotNull();
                assertThat(target.symbol()).as("target of %s in %s", i, p.name()).isEqualTo(i.reference());
                checked++;
            }
            assertThat(Instructions.slots(p.instructions()))
                    .isEqualTo(spec.functions(p.name()).stream().mapToInt(CollectionSpec.FunctionOffset::slots).sum());
        }
        // xdp_one: 2 calls; xdp_two: callback pointer + leaf from loop_cb + shared_global; tp: 2 + leaf
        assertThat(checked).isEqualTo(2 + 3 + 2);
    }

    @Test
    void functionPointerBecomesPseudoFunc() {
        Instruction ptr = p("xdp_two").stream().filter(Instruction::isLoadOfFunctionPointer).findFirst().orElseThrow();
        assertThat(ptr.reference()).isEqualTo("loop_cb");
        assertThat(ptr.src()).isEqualTo(OpCode.PSEUDO_FUNC);
        assertThat(p("xdp_two").stream().filter(Instruction::isHelperCall).map(Instruction::imm)).contains(181); // bpf_loop
    }

    @Test
    void funcInfoListsEveryLinkedFunctionAtItsSlot() {
        for (String name : List.of("xdp_one", "xdp_two", "tp_calls_global", "sleepy")) {
            ProgramSpec p = spec.program(name);
            List<CollectionSpec.FunctionOffset> fns = spec.functions(name);
            assertThat(p.btfExt().funcInfoCount()).isEqualTo(fns.size());
            ByteBuffer b = ByteBuffer.wrap(p.btfExt().funcInfo()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < fns.size(); i++) {
                assertThat(b.getInt(i * 8)).isEqualTo(fns.get(i).slot());
                assertThat(spec.types().type(b.getInt(i * 8 + 4)).name()).isEqualTo(fns.get(i).name());
            }
        }
    }

    private List<Instruction> p(String name) {
        return spec.program(name).instructions();
    }

    private static List<String> names(List<CollectionSpec.FunctionOffset> f) {
        return f.stream().map(CollectionSpec.FunctionOffset::name).toList();
    }

    static Instruction slot(List<Instruction> insns, int s) {
        return at(insns, s);
    }
}
