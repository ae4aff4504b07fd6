package io.ebpfagent.loader.usdt;

/**
 * One argument of a USDT probe, decoded from the note's argument string.
 *
 * @param kind           where the value is
 * @param size           size in bytes (1, 2, 4 or 8)
 * @param signed         whether the value is sign-extended to 64 bits
 * @param register       the register name as written ({@code r13}, {@code r14d}), null for constants
 * @param registerOffset offset of the register in the kernel's {@code struct pt_regs}, -1 for constants
 * @param value          the constant for {@link Kind#CONSTANT}, the displacement for {@link Kind#MEMORY}, 0 otherwise
 */
public record UsdtArgument(Kind kind, int size, boolean signed, String register, int registerOffset, long value) {

    /** The three argument locations libbpf's BPF side ({@code usdt.bpf.h}) can fetch. */
    public enum Kind {
        /** {@code 4@$5}: the value is a constant. Encoded as {@code BPF_USDT_ARG_CONST} = 0. */
        CONSTANT,
        /** {@code 8@%rax}: the value is in a register. {@code BPF_USDT_ARG_REG} = 1. */
        REGISTER,
        /** {@code -8@-64(%rbp)}: the value is in memory at register + displacement. {@code BPF_USDT_ARG_REG_DEREF} = 2. */
        MEMORY
    }

    public UsdtArgument {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("USDT argument size " + size + " is not 1, 2, 4 or 8");
        }
    }

    /** Bits to clear (and sign-extend) so a 1/2/4-byte value becomes a 64-bit one. */
    public int bitShift() {
        return 64 - size * 8;
    }
}
