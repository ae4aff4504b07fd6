package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Turns the symbolic references the object reader leaves in instructions into what
 * {@code BPF_PROG_LOAD} expects: map descriptors, map value addresses (descriptor + offset) and
 * kernel BTF ids of {@code __ksym} functions and variables.
 */
final class ReferenceResolver {
    private final ToIntFunction<String> mapFd;
    private final Supplier<Btf> targetBtf;

    /**
     * @param mapFd     the descriptor of the collection's map of a name; throws if there is none
     * @param targetBtf the kernel's types, asked only for {@code __ksym} references
     */
    ReferenceResolver(ToIntFunction<String> mapFd, Supplier<Btf> targetBtf) {
        this.mapFd = mapFd;
        this.targetBtf = targetBtf;
    }

    /** The program's instructions with every map, global and kernel symbol reference resolved. */
    List<Instruction> resolve(String program, List<Instruction> insns) {
        List<Instruction> out = new ArrayList<>(insns.size());
        int slot = 0;
        for (Instruction ins : insns) {
            out.add(ins.reference() == null ? ins : resolve(program, slot, ins));
            slot += ins.slots();
        }
        return out;
    }

    private Instruction resolve(String program, int slot, Instruction ins) {
        if (ins.isFunctionCall() || ins.isLoadOfFunctionPointer()) {
            return ins; // already relative to the linked program
        }
        if (ins.isLoadImm64() && ins.src() == OpCode.PSEUDO_MAP_FD) {
            return ins.withConstant(Integer.toUnsignedLong(fd(program, slot, ins)));
        }
        if (ins.isLoadImm64() && ins.src() == OpCode.PSEUDO_MAP_VALUE) {
            // The reader keeps the byte offset in the constant; the kernel reads it from the second slot's imm.
            long offset = ins.constant();
            if (offset < 0 || offset > 0xffffffffL) {
                throw new LoaderException(where(program, slot) + ": offset " + offset + " into " + ins.reference() + " is out of range");
            }
            return ins.withConstant((offset << 32) | Integer.toUnsignedLong(fd(program, slot, ins)));
        }
        if (ins.isLoadImm64() && ins.src() == OpCode.PSEUDO_BTF_ID) {
            return ins.withConstant(Integer.toUnsignedLong(kernelId(program, slot, ins.reference(), Type.Var.class, "variable")));
        }
        if (ins.opcode() == OpCode.CALL && ins.src() == OpCode.PSEUDO_KFUNC_CALL) {
            // offset 0: the id is in vmlinux's BTF, not a module's
            return ins.withConstant(kernelId(program, slot, ins.reference(), Type.Func.class, "function")).withOffset(0);
        }
        throw new LoaderException(where(program, slot) + ": cannot resolve reference to " + ins.reference() + " in " + ins);
    }

    private int fd(String program, int slot, Instruction ins) {
        try {
            return mapFd.applyAsInt(ins.reference());
        } catch (LoaderException e) {
            throw new LoaderException(where(program, slot) + ": " + e.getMessage(), e);
        }
    }

    private int kernelId(String program, int slot, String name, Class<? extends Type> kind, String what) {
        Btf btf = targetBtf.get();
        OptionalInt id = btf.findId(name, kind);
        if (id.isEmpty()) {
            throw new LoaderException(where(program, slot) + ": kernel " + what + " " + name
                    + " (__ksym) is not in the kernel's BTF");
        }
        return id.getAsInt();
    }

    private static String where(String program, int slot) {
        return "program " + program + " insn " + slot;
    }
}
