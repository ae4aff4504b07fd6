package io.ebpfagent.loader.programs;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.Instructions;
import io.ebpfagent.loader.asm.OpCode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The kernel's program tag, computed in Java: the first 8 bytes of a digest over the
 * instructions with map file descriptors (and map value pointers) zeroed, since those differ
 * between loads of the same program. Lets callers find an already-loaded program by content.
 * Kernels before 6.18 digest with SHA-1, newer ones with SHA-256 (BPF program signing work).
 */
public final class ProgramTag {
    private ProgramTag() {
    }

    /** The digest algorithm of the running kernel's program tags. */
    public static String kernelAlgorithm() {
        return io.ebpfagent.loader.features.KernelVersion.code() >= ((6 << 16) | (18 << 8)) ? "SHA-256" : "SHA-1";
    }

    /** The tag the running kernel gives these (fully resolved) instructions, as 16 hex digits. */
    public static String of(List<Instruction> instructions) {
        return of(instructions, kernelAlgorithm());
    }

    /** The tag with the given digest ({@code SHA-1} or {@code SHA-256}). */
    public static String of(List<Instruction> instructions, String algorithm) {
        byte[] code = Instructions.encode(instructions);
        // the kernel zeroes the imm of both halves of a map-referencing ld_imm64
        for (int off = 0; off + 16 <= code.length; off += 8) {
            int opcode = code[off] & 0xff;
            int src = (code[off + 1] >> 4) & 0xf;
            if (opcode == OpCode.LD_IMM64 && (src == OpCode.PSEUDO_MAP_FD || src == OpCode.PSEUDO_MAP_VALUE)) {
                zeroImm(code, off);
                zeroImm(code, off + 8);
                off += 8;
            }
        }
        try {
            byte[] digest = MessageDigest.getInstance(algorithm).digest(code);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("unknown digest " + algorithm, e);
        }
    }

    private static void zeroImm(byte[] code, int off) {
        for (int i = 4; i < 8; i++) {
            code[off + i] = 0;
        }
    }
}
