package io.ebpfagent.loader.asm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class InstructionsTest {

    @Test
    void encodesLikeTheKernelUapiLayout() {
        // r1 = 0x1122334455667788 (lddw, two slots); r0 = 0; exit
        byte[] code = Instructions.encode(List.of(
                Asm.loadImm64(Asm.R1, 0x1122334455667788L), Asm.mov64(Asm.R0, 0), Asm.exit()));
        assertThat(HexFormat.of().formatHex(code)).isEqualTo(
                "1801000088776655" + "0000000044332211"
                        + "b700000000000000"
                        + "9500000000000000");
    }

    @Test
    void decodeIsTheInverseOfEncodeAndKeepsLddwAsOneInstruction() {
        List<Instruction> prog = List.of(
                Asm.mov64Reg(Asm.R6, Asm.R1),
                Asm.loadImm64(Asm.R2, -2L),
                Asm.storeMem(OpCode.SIZE_DW, Asm.R10, -8, Asm.R2),
                Asm.jumpImm(OpCode.OP_JEQ, Asm.R0, 0, 1),
                Asm.callHelper(14),
                Asm.mov64(Asm.R0, -1),
                Asm.exit());
        byte[] bytes = Instructions.encode(prog);
        assertThat(bytes).hasSize(8 * 8);
        List<Instruction> back = Instructions.decode(bytes);
        assertThat(back).hasSize(prog.size());
        assertThat(Instructions.slots(back)).isEqualTo(8);
        for (int i = 0; i < prog.size(); i++) {
            assertThat(back.get(i).opcode()).isEqualTo(prog.get(i).opcode());
            assertThat(back.get(i).dst()).isEqualTo(prog.get(i).dst());
            assertThat(back.get(i).src()).isEqualTo(prog.get(i).src());
            assertThat(back.get(i).offset()).isEqualTo(prog.get(i).offset());
            assertThat(back.get(i).constant()).isEqualTo(prog.get(i).constant());
        }
        assertThat(back.get(1).isLoadImm64()).isTrue();
        assertThat(back.get(4).isHelperCall()).isTrue();
        assertThat(back.get(3).isJump()).isTrue();
    }
}
