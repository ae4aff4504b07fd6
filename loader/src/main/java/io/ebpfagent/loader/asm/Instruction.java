package io.ebpfagent.loader.asm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One eBPF instruction, as the kernel's {@code struct bpf_insn}, with the linker's metadata.
 *
 * <p>A 64-bit immediate load ({@code BPF_LD | BPF_IMM | BPF_DW}) occupies two 8-byte slots in
 * the encoded program; here it is one instruction whose {@link #constant()} holds all 64 bits,
 * as in cilium/ebpf. For every other instruction {@code constant} is the sign-extended 32-bit
 * {@code imm} field.
 *
 * <p>{@link #symbol()} names the function that starts at this instruction (the ELF symbol), and
 * {@link #reference()} names what the instruction refers to before linking: a map, a global data
 * section or a called function. Both are {@code null} when absent.
 *
 * @param opcode    the 8-bit opcode (class | size/source | mode/operation)
 * @param dst       destination register, 0..10
 * @param src       source register, 0..10, or a pseudo source such as {@link OpCode#PSEUDO_MAP_FD}
 * @param offset    the signed 16-bit offset field
 * @param constant  the immediate: 64 bits for {@link #isLoadImm64()}, else sign-extended 32 bits
 * @param symbol    the function symbol this instruction starts, or null
 * @param reference the symbol this instruction refers to, or null
 */
public record Instruction(int opcode, int dst, int src, short offset, long constant,
                          String symbol, String reference) {

    /** Size of one encoded instruction slot in bytes. */
    public static final int SLOT_SIZE = 8;

    public Instruction {
        if ((opcode & ~0xff) != 0) throw new IllegalArgumentException("opcode out of range: " + opcode);
        if (dst < 0 || dst > 15 || src < 0 || src > 15) {
            throw new IllegalArgumentException("register out of range: dst=" + dst + " src=" + src);
        }
    }

    /** An instruction without linker metadata. */
    public Instruction(int opcode, int dst, int src, int offset, long constant) {
        this(opcode, dst, src, (short) offset, constant, null, null);
    }

    /** True for the two-slot {@code lddw}. */
    public boolean isLoadImm64() {
        return opcode == OpCode.LD_IMM64;
    }

    /** Number of 8-byte slots this instruction occupies when encoded. */
    public int slots() {
        return isLoadImm64() ? 2 : 1;
    }

    /** The 32-bit {@code imm} field of the first slot. */
    public int imm() {
        return (int) constant;
    }

    /** The class bits of the opcode ({@link OpCode#CLASS_MASK}). */
    public int opClass() {
        return opcode & OpCode.CLASS_MASK;
    }

    /** True for a bpf-to-bpf call ({@code call} with {@code src == PSEUDO_CALL}). */
    public boolean isFunctionCall() {
        return opcode == OpCode.CALL && src == OpCode.PSEUDO_CALL;
    }

    /** True for a call of a kernel helper function. */
    public boolean isHelperCall() {
        return opcode == OpCode.CALL && src == 0;
    }

    /** True for a 64-bit load of a function address ({@code src == PSEUDO_FUNC}). */
    public boolean isLoadOfFunctionPointer() {
        return isLoadImm64() && src == OpCode.PSEUDO_FUNC;
    }

    /** True for a jump (not call or exit) of either jump class. */
    public boolean isJump() {
        int cls = opClass();
        if (cls != OpCode.CLASS_JMP && cls != OpCode.CLASS_JMP32) return false;
        int op = opcode & OpCode.OP_MASK;
        return op != OpCode.OP_CALL && op != OpCode.OP_EXIT;
    }

    public Instruction withConstant(long value) {
        return new Instruction(opcode, dst, src, offset, value, symbol, reference);
    }

    public Instruction withOffset(int value) {
        return new Instruction(opcode, dst, src, (short) value, constant, symbol, reference);
    }

    public Instruction withSrc(int value) {
        return new Instruction(opcode, dst, value, offset, constant, symbol, reference);
    }

    public Instruction withOpcode(int value) {
        return new Instruction(value, dst, src, offset, constant, symbol, reference);
    }

    public Instruction withSymbol(String value) {
        return new Instruction(opcode, dst, src, offset, constant, value, reference);
    }

    public Instruction withReference(String value) {
        return new Instruction(opcode, dst, src, offset, constant, symbol, value);
    }

    /** Writes this instruction's slots at the buffer's position (the buffer must be little endian). */
    public void encode(ByteBuffer out) {
        if (out.order() != ByteOrder.LITTLE_ENDIAN) throw new IllegalArgumentException("eBPF is encoded little endian here");
        out.put((byte) opcode);
        out.put((byte) ((src << 4) | dst));
        out.putShort(offset);
        out.putInt((int) constant);
        if (isLoadImm64()) {
            out.put((byte) 0).put((byte) 0).putShort((short) 0);
            out.putInt((int) (constant >>> 32));
        }
    }

    /**
     * Reads one instruction (two slots for {@code lddw}) at the buffer's position.
     *
     * @throws IllegalArgumentException if a {@code lddw} is cut off or its second slot is malformed
     */
    public static Instruction decode(ByteBuffer in) {
        int opcode = in.get() & 0xff;
        int regs = in.get() & 0xff;
        short off = in.getShort();
        int imm = in.getInt();
        long constant = imm;
        if (opcode == OpCode.LD_IMM64) {
            if (in.remaining() < SLOT_SIZE) {
                throw new IllegalArgumentException("lddw at the end of the program has no second slot");
            }
            int op2 = in.get() & 0xff;
            in.get();
            in.getShort();
            int imm2 = in.getInt();
            if (op2 != 0) throw new IllegalArgumentException("lddw second slot has opcode 0x" + Integer.toHexString(op2));
            constant = (imm & 0xffffffffL) | ((long) imm2 << 32);
        }
        return new Instruction(opcode, regs & 0xf, regs >>> 4, off, constant, null, null);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(OpCode.mnemonic(opcode)).append(" dst=r").append(dst).append(" src=").append(src)
          .append(" off=").append(offset).append(" imm=").append(constant);
        if (symbol != null) sb.append(" <").append(symbol).append('>');
        if (reference != null) sb.append(" -> ").append(reference);
        return sb.toString();
    }
}
