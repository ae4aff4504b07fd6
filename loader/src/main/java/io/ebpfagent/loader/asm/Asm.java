package io.ebpfagent.loader.asm;

import static io.ebpfagent.loader.asm.OpCode.*;

/** Constructors for common instructions, for hand-written programs and feature probes. */
public final class Asm {
    private Asm() {}

    public static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8,
            R9 = 9, R10 = 10;

    /** {@code dst = imm} (64-bit, sign-extended). */
    public static Instruction mov64(int dst, int imm) {
        return new Instruction(CLASS_ALU64 | OP_MOV | SRC_K, dst, 0, 0, imm);
    }

    /** {@code dst = src} (64-bit). */
    public static Instruction mov64Reg(int dst, int src) {
        return new Instruction(CLASS_ALU64 | OP_MOV | SRC_X, dst, src, 0, 0);
    }

    /** {@code dst op= imm} (64-bit), op one of {@code OpCode.OP_*}. */
    public static Instruction alu64(int op, int dst, int imm) {
        return new Instruction(CLASS_ALU64 | op | SRC_K, dst, 0, 0, imm);
    }

    /** {@code dst op= src} (64-bit). */
    public static Instruction alu64Reg(int op, int dst, int src) {
        return new Instruction(CLASS_ALU64 | op | SRC_X, dst, src, 0, 0);
    }

    /** {@code dst = imm64} (two slots). */
    public static Instruction loadImm64(int dst, long imm) {
        return new Instruction(LD_IMM64, dst, 0, 0, imm);
    }

    /** {@code dst = map} by file descriptor (two slots, {@code PSEUDO_MAP_FD}). */
    public static Instruction loadMapFd(int dst, int fd) {
        return new Instruction(LD_IMM64, dst, PSEUDO_MAP_FD, 0, fd & 0xffffffffL);
    }

    /** {@code dst = &map_value[0] + offset} by map file descriptor ({@code PSEUDO_MAP_VALUE}). */
    public static Instruction loadMapValue(int dst, int fd, int offset) {
        return new Instruction(LD_IMM64, dst, PSEUDO_MAP_VALUE, 0, (fd & 0xffffffffL) | ((long) offset << 32));
    }

    /** {@code dst = *(size *)(src + off)}, size one of {@code OpCode.SIZE_*}. */
    public static Instruction loadMem(int size, int dst, int src, int off) {
        return new Instruction(CLASS_LDX | MODE_MEM | size, dst, src, off, 0);
    }

    /** {@code *(size *)(dst + off) = src}. */
    public static Instruction storeMem(int size, int dst, int off, int src) {
        return new Instruction(CLASS_STX | MODE_MEM | size, dst, src, off, 0);
    }

    /** {@code *(size *)(dst + off) = imm}. */
    public static Instruction storeImm(int size, int dst, int off, int imm) {
        return new Instruction(CLASS_ST | MODE_MEM | size, dst, 0, off, imm);
    }

    /** {@code lock *(u64 *)(dst + off) += src}. */
    public static Instruction atomicAdd64(int dst, int off, int src) {
        return new Instruction(CLASS_STX | MODE_ATOMIC | SIZE_DW, dst, src, off, OP_ADD);
    }

    /** {@code if dst op imm goto +off}, op one of {@code OpCode.OP_J*}. */
    public static Instruction jumpImm(int op, int dst, int imm, int off) {
        return new Instruction(CLASS_JMP | op | SRC_K, dst, 0, off, imm);
    }

    /** {@code if dst op src goto +off}. */
    public static Instruction jumpReg(int op, int dst, int src, int off) {
        return new Instruction(CLASS_JMP | op | SRC_X, dst, src, off, 0);
    }

    /** {@code goto +off}. */
    public static Instruction ja(int off) {
        return new Instruction(JA, 0, 0, off, 0);
    }

    /** Call of the kernel helper with the given id. */
    public static Instruction callHelper(int helperId) {
        return new Instruction(CALL, 0, 0, 0, helperId);
    }

    /** bpf-to-bpf call of the function named {@code symbol}, resolved by the linker. */
    public static Instruction callFunction(String symbol) {
        return new Instruction(CALL, 0, PSEUDO_CALL, (short) 0, -1, null, symbol);
    }

    /** {@code return r0}. */
    public static Instruction exit() {
        return new Instruction(EXIT, 0, 0, 0, 0);
    }
}
