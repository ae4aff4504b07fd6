package io.ebpfagent.loader.asm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Encoding and decoding of whole instruction streams. */
public final class Instructions {
    private Instructions() {}

    /** Decodes a program's bytes; a length that is not a multiple of 8 is rejected. */
    public static List<Instruction> decode(byte[] code) {
        if (code.length % Instruction.SLOT_SIZE != 0) {
            throw new IllegalArgumentException("program length " + code.length + " is not a multiple of 8");
        }
        ByteBuffer in = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        List<Instruction> out = new ArrayList<>(code.length / Instruction.SLOT_SIZE);
        while (in.hasRemaining()) out.add(Instruction.decode(in));
        return out;
    }

    /** Number of 8-byte slots the instructions take when encoded. */
    public static int slots(List<Instruction> insns) {
        int n = 0;
        for (Instruction i : insns) n += i.slots();
        return n;
    }

    /** Encodes instructions into the kernel's {@code struct bpf_insn[]} layout. */
    public static byte[] encode(List<Instruction> insns) {
        ByteBuffer out = ByteBuffer.allocate(slots(insns) * Instruction.SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (Instruction i : insns) i.encode(out);
        return out.array();
    }
}
