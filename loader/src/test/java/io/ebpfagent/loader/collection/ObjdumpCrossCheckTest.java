package io.ebpfagent.loader.collection;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.Instructions;
import io.ebpfagent.loader.programs.ProgramSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The linked programs, encoded, are the object's code as llvm-objdump shows it, function by
 * function: identical bytes except in the fields relocation or linking rewrote (the pseudo
 * source register and the immediate of instructions with a reference).
 */
class ObjdumpCrossCheckTest {

    @ParameterizedTest
    @ValueSource(strings = {"minimal.bpf.o", "multi.bpf.o", "mapinmap.bpf.o", "legacy.bpf.o", "kconfig.bpf.o", "globals.bpf.o", "corelink.bpf.o", "core.bpf.o"})
    void linkedCodeMatchesTheDisassembly(String object) throws Exception {
        Assumptions.assumeTrue(TestObjects.objdumpAvailable(), TestObjects.OBJDUMP + " is not installed");
        Map<String, List<byte[]>> dump = TestObjects.objdump(object);
        CollectionSpec spec = TestObjects.load(object);
        int compared = 0;
        for (ProgramSpec p : spec.programs().values()) {
            byte[] code = Instructions.encode(p.instructions());
            boolean[] referenced = referencedSlots(p.instructions());
            for (CollectionSpec.FunctionOffset f : spec.functions(p.name())) {
                List<byte[]> expected = dump.get(f.name());
                assertThat(expected).as("objdump shows function %s", f.name()).isNotNull();
                assertThat(expected).as("slots of %s", f.name()).hasSize(f.slots());
                for (int s = 0; s < f.slots(); s++) {
                    int slot = f.slot() + s;
                    byte[] actual = Arrays.copyOfRange(code, slot * 8, slot * 8 + 8);
                    byte[] want = expected.get(s);
                    if (referenced[slot]) {
                        assertThat(actual[0]).as("opcode at %s+%d", f.name(), s).isEqualTo(want[0]);
                        assertThat(actual[1] & 0x0f).as("dst at %s+%d", f.name(), s).isEqualTo(want[1] & 0x0f);
                        assertThat(Arrays.copyOfRange(actual, 2, 4)).as("offset at %s+%d", f.name(), s)
                                .isEqualTo(Arrays.copyOfRange(want, 2, 4));
                    } else {
                        assertThat(actual).as("slot %s+%d of program %s", f.name(), s, p.name()).isEqualTo(want);
                    }
                    compared++;
                }
            }
        }
        assertThat(compared).isPositive();
    }

    /** Slots whose src/imm were rewritten: both slots of a referencing lddw, the slot of a referencing call. */
    private static boolean[] referencedSlots(List<Instruction> insns) {
        boolean[] out = new boolean[Instructions.slots(insns)];
        int slot = 0;
        for (Instruction i : insns) {
            if (i.reference() != null) {
                for (int k = 0; k < i.slots(); k++) out[slot + k] = true;
            }
            slot += i.slots();
        }
        return out;
    }
}
