package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
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
    private final Btf objectBtf;
    private final Set<String> weakExterns;

    /** A resolver for an object without BTF and without weak externs. */
    ReferenceResolver(ToIntFunction<String> mapFd, Supplier<Btf> targetBtf) {
        this(mapFd, targetBtf, null, Set.of());
    }

    /**
     * @param mapFd       the descriptor of the collection's map of a name; throws if there is none
     * @param targetBtf   the kernel's types, asked only for {@code __ksym} references
     * @param objectBtf   the object's types (null without BTF): they say whether an extern is a
     *                    function or a variable, whatever instruction refers to it
     * @param weakExterns the {@code __weak} externs: missing from the kernel, they resolve to 0
     */
    ReferenceResolver(ToIntFunction<String> mapFd, Supplier<Btf> targetBtf, Btf objectBtf, Set<String> weakExterns) {
        this.mapFd = mapFd;
        this.targetBtf = targetBtf;
        this.objectBtf = objectBtf;
        this.weakExterns = weakExterns;
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
            // the address of a kernel variable, or of a kfunc (bpf_ksym_exists)
            OptionalInt id = kernelId(program, slot, ins.reference(), false);
            if (id.isEmpty()) return ins.withSrc(0).withConstant(0).withReference(null); // weak and missing: as libbpf, the constant 0
            return ins.withConstant(Integer.toUnsignedLong(id.getAsInt()));
        }
        if (ins.opcode() == OpCode.CALL && ins.src() == OpCode.PSEUDO_KFUNC_CALL) {
            // offset 0: the id is in vmlinux's BTF, not a module's. A weak kfunc the kernel lacks
            // keeps id 0, as libbpf 1.1 leaves it: the verifier accepts it only in dead code.
            OptionalInt id = kernelId(program, slot, ins.reference(), true);
            Instruction out = ins.withConstant(id.orElse(0)).withOffset(0);
            return id.isPresent() ? out : out.withReference(null);
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

    /** The kernel BTF id of a {@code __ksym}; empty if it is weak and the kernel lacks it. */
    private OptionalInt kernelId(String program, int slot, String name, boolean called) {
        boolean function = isFunction(name, called);
        Btf btf = targetBtf.get();
        OptionalInt id = btf.findId(name, function ? Type.Func.class : Type.Var.class);
        if (id.isEmpty() && !weakExterns.contains(name)) {
            throw new LoaderException(where(program, slot) + ": " + (function ? "kfunc " : "kernel variable ") + name
                    + " (__ksym) is not in the kernel's BTF (declare it __weak to run without it)");
        }
        return id;
    }

    /**
     * Whether the extern is a function (a kfunc) rather than a variable: as the object's BTF
     * declares it, else as the instruction uses it ({@code called}).
     */
    private boolean isFunction(String name, boolean called) {
        if (objectBtf == null) return called;
        if (objectBtf.findId(name, Type.Var.class).isPresent()) return false;
        return called || objectBtf.findId(name, Type.Func.class).isPresent();
    }

    private static String where(String program, int slot) {
        return "program " + program + " insn " + slot;
    }
}
