package io.ebpfagent.agent.exit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The call put at the start of {@code Runtime.halt(int)}, and nowhere else (e2e's ExitTimeIT halts for real). */
class HaltHookTest {
    @Test
    void haltCallsTheBridgeFirstAndNothingElseChanges() throws Exception {
        byte[] original;
        try (InputStream in = Object.class.getResourceAsStream("/java/lang/Runtime.class")) {
            original = in.readAllBytes();
        }
        ClassModel before = ClassFile.of().parse(original);
        ClassModel after = ClassFile.of().parse(HaltHook.instrument(original));

        assertThat(after.methods()).hasSameSizeAs(before.methods());
        for (MethodModel m : after.methods()) {
            List<Instruction> code = instructions(m);
            List<Instruction> was = instructions(before.methods().stream()
                    .filter(b -> b.methodName().equalsString(m.methodName().stringValue())
                            && b.methodType().equalsString(m.methodType().stringValue()))
                    .findFirst().orElseThrow());
            if (m.methodName().equalsString("halt") && m.methodType().equalsString("(I)V")) {
                assertThat(code.getFirst()).isInstanceOfSatisfying(InvokeInstruction.class, call -> {
                    assertThat(call.owner().asInternalName()).isEqualTo("java/lang/EbpfAgentHaltBridge");
                    assertThat(call.name().stringValue()).isEqualTo("beforeHalt");
                    assertThat(call.typeSymbol().descriptorString()).isEqualTo("()V");
                });
                assertThat(code).hasSize(was.size() + 1);
            } else {
                assertThat(code).as(m.methodName().stringValue()).hasSameSizeAs(was);
            }
        }
    }

    @Test
    void theBridgeSwallowsWhatTheActionThrows() {
        HaltBridge.beforeHalt = () -> {
            throw new IllegalStateException("must not reach Runtime.halt");
        };
        try {
            HaltBridge.beforeHalt();
        } finally {
            HaltBridge.beforeHalt = null;
        }
        HaltBridge.beforeHalt(); // no action: nothing happens
    }

    private static List<Instruction> instructions(MethodModel m) {
        return m.code().map(CodeModel::elementList).orElse(List.of()).stream()
                .filter(Instruction.class::isInstance).map(Instruction.class::cast).toList();
    }
}
