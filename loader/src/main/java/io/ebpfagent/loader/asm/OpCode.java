package io.ebpfagent.loader.asm;

/** Opcode bits of the eBPF instruction set (Documentation/bpf/standardization/instruction-set.rst). */
public final class OpCode {
    private OpCode() {}

    public static final int CLASS_MASK = 0x07;
    public static final int CLASS_LD = 0x00, CLASS_LDX = 0x01, CLASS_ST = 0x02, CLASS_STX = 0x03,
            CLASS_ALU = 0x04, CLASS_JMP = 0x05, CLASS_JMP32 = 0x06, CLASS_ALU64 = 0x07;

    /** Load/store size bits. */
    public static final int SIZE_W = 0x00, SIZE_H = 0x08, SIZE_B = 0x10, SIZE_DW = 0x18;
    /** Load/store mode bits. */
    public static final int MODE_IMM = 0x00, MODE_ABS = 0x20, MODE_IND = 0x40, MODE_MEM = 0x60,
            MODE_MEMSX = 0x80, MODE_ATOMIC = 0xc0;
    /** Source bit of ALU and jump instructions. */
    public static final int SRC_K = 0x00, SRC_X = 0x08;

    public static final int OP_MASK = 0xf0;
    /** ALU operations. */
    public static final int OP_ADD = 0x00, OP_SUB = 0x10, OP_MUL = 0x20, OP_DIV = 0x30, OP_OR = 0x40,
            OP_AND = 0x50, OP_LSH = 0x60, OP_RSH = 0x70, OP_NEG = 0x80, OP_MOD = 0x90, OP_XOR = 0xa0,
            OP_MOV = 0xb0, OP_ARSH = 0xc0, OP_END = 0xd0;
    /** Jump operations. */
    public static final int OP_JA = 0x00, OP_JEQ = 0x10, OP_JGT = 0x20, OP_JGE = 0x30, OP_JSET = 0x40,
            OP_JNE = 0x50, OP_JSGT = 0x60, OP_JSGE = 0x70, OP_CALL = 0x80, OP_EXIT = 0x90,
            OP_JLT = 0xa0, OP_JLE = 0xb0, OP_JSLT = 0xc0, OP_JSLE = 0xd0;

    /** {@code lddw}: the two-slot 64-bit immediate load. */
    public static final int LD_IMM64 = CLASS_LD | SIZE_DW | MODE_IMM;
    public static final int CALL = CLASS_JMP | OP_CALL;
    public static final int EXIT = CLASS_JMP | OP_EXIT;
    public static final int JA = CLASS_JMP | OP_JA;

    /** Pseudo source registers of {@code lddw} and {@code call} (include/uapi/linux/bpf.h). */
    public static final int PSEUDO_MAP_FD = 1, PSEUDO_MAP_VALUE = 2, PSEUDO_BTF_ID = 3, PSEUDO_FUNC = 4,
            PSEUDO_MAP_IDX = 5, PSEUDO_MAP_IDX_VALUE = 6;
    /** {@code call} with src 1 calls a bpf-to-bpf function; with src 2 a kernel function (kfunc). */
    public static final int PSEUDO_CALL = 1, PSEUDO_KFUNC_CALL = 2;

    /** A short human-readable name of an opcode, for messages and disassembly. */
    public static String mnemonic(int opcode) {
        int cls = opcode & CLASS_MASK;
        return switch (cls) {
            case CLASS_LD -> opcode == LD_IMM64 ? "lddw" : "ld" + sizeSuffix(opcode);
            case CLASS_LDX -> "ldx" + sizeSuffix(opcode);
            case CLASS_ST -> "st" + sizeSuffix(opcode);
            case CLASS_STX -> ((opcode & 0xe0) == MODE_ATOMIC ? "atomic" : "stx") + sizeSuffix(opcode);
            case CLASS_ALU, CLASS_ALU64 -> aluName(opcode & OP_MASK) + (cls == CLASS_ALU ? "32" : "");
            default -> jmpName(opcode & OP_MASK) + (cls == CLASS_JMP32 ? "32" : "");
        };
    }

    private static String sizeSuffix(int opcode) {
        return switch (opcode & 0x18) {
            case SIZE_W -> "w";
            case SIZE_H -> "h";
            case SIZE_B -> "b";
            default -> "dw";
        };
    }

    private static String aluName(int op) {
        return switch (op) {
            case OP_ADD -> "add"; case OP_SUB -> "sub"; case OP_MUL -> "mul"; case OP_DIV -> "div";
            case OP_OR -> "or"; case OP_AND -> "and"; case OP_LSH -> "lsh"; case OP_RSH -> "rsh";
            case OP_NEG -> "neg"; case OP_MOD -> "mod"; case OP_XOR -> "xor"; case OP_MOV -> "mov";
            case OP_ARSH -> "arsh"; case OP_END -> "end";
            default -> "alu?" + Integer.toHexString(op);
        };
    }

    private static String jmpName(int op) {
        return switch (op) {
            case OP_JA -> "ja"; case OP_JEQ -> "jeq"; case OP_JGT -> "jgt"; case OP_JGE -> "jge";
            case OP_JSET -> "jset"; case OP_JNE -> "jne"; case OP_JSGT -> "jsgt"; case OP_JSGE -> "jsge";
            case OP_CALL -> "call"; case OP_EXIT -> "exit"; case OP_JLT -> "jlt"; case OP_JLE -> "jle";
            case OP_JSLT -> "jslt"; case OP_JSLE -> "jsle";
            default -> "jmp?" + Integer.toHexString(op);
        };
    }
}
