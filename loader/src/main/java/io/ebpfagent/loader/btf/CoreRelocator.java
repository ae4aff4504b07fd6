package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.btf.Type.*;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies CO-RE relocations: rewrites the constants a program compiled against its own (local)
 * types so that they hold for the target kernel's types, as libbpf does.
 *
 * <p>Candidates for a local type are the target types of a compatible kind whose names equal
 * the local name without its {@code ___flavor} suffix; every candidate that matches the access
 * path must give the same answer. A relocation no candidate satisfies is not an error by
 * itself: as in libbpf its instruction is replaced by a call of the nonexistent helper
 * {@value #POISON_HELPER} ({@code 0xbad2310}), so the verifier rejects the program only if that
 * instruction is reachable, and the {@link Outcome} explains what was missing. Malformed
 * relocations, ambiguous candidates and instructions that do not hold the expected local value
 * throw {@link BtfException}.
 *
 * <p>An instance caches candidate lists per local type and is meant for one object's programs.
 */
public final class CoreRelocator {
    private static final Logger log = LoggerFactory.getLogger(CoreRelocator.class);

    /** Helper id of the call that replaces an instruction whose relocation cannot be satisfied. */
    public static final int POISON_HELPER = 0xbad2310;

    private final Btf local;
    private final Btf target;
    private final Map<Integer, List<Integer>> candidates = new HashMap<>();

    /**
     * @param local  the object's own BTF, which the relocations' type ids refer to
     * @param target the kernel's BTF (e.g. {@link Btf#kernel()}, or a module's split BTF)
     */
    public CoreRelocator(Btf local, Btf target) {
        this.local = local;
        this.target = target;
    }

    /** What happened to one relocation. */
    public enum Status {
        /** The instruction now holds the target value. */
        PATCHED,
        /** No target type satisfied the relocation; the instruction was replaced by the poison call. */
        POISONED
    }

    /**
     * The result of one relocation.
     *
     * @param relocation  the relocation
     * @param index       the index of the instruction in the input list
     * @param status      patched or poisoned
     * @param localValue  the value the compiler assumed (from the local types)
     * @param targetValue the value for the target (meaningless when poisoned)
     * @param spec        the local access, e.g. {@code [5] struct task_struct.pid (0:1 @ offset 4)}
     * @param detail      the chosen target access, or why nothing matched
     */
    public record Outcome(CoreRelocation relocation, int index, Status status, long localValue, long targetValue,
                          String spec, String detail) {
        @Override
        public String toString() {
            return "CO-RE " + relocation.kind() + " at insn " + relocation.instruction() + " " + spec + ": "
                    + (status == Status.PATCHED ? localValue + " -> " + targetValue + " (" + detail + ")" : "POISONED, " + detail);
        }
    }

    /**
     * The relocated program and one outcome per relocation (in input order).
     * Poisoned {@code lddw} instructions become two poison calls so slot positions stay put.
     */
    public record Result(List<Instruction> instructions, List<Outcome> outcomes) {
        public Result {
            instructions = List.copyOf(instructions);
            outcomes = List.copyOf(outcomes);
        }

        /** The relocations whose instructions were poisoned. */
        public List<Outcome> poisoned() {
            List<Outcome> out = new ArrayList<>();
            for (Outcome o : outcomes) {
                if (o.status() == Status.POISONED) out.add(o);
            }
            return List.copyOf(out);
        }

        /** The poisoned relocation at a slot, to explain a verifier error "invalid func unknown#195896080" there. */
        public Optional<Outcome> poisonedAt(int slot) {
            for (Outcome o : outcomes) {
                if (o.status() == Status.POISONED && o.relocation().instruction() == slot) return Optional.of(o);
            }
            return Optional.empty();
        }
    }

    /** The values computed for one relocation against one target spec (libbpf's {@code bpf_core_relo_res}). */
    private record Res(long orig, long next, boolean poison, boolean validate, boolean failMemSize,
                       int origSize, int newSize) {}

    /** The value of one side of a field relocation. */
    private record FieldVal(long val, int fieldSize, int typeId, boolean validate, boolean poison) {}

    /**
     * Relocates one program.
     *
     * @param insns       the program's instructions ({@code lddw} as one instruction of two slots)
     * @param relocations its relocations, instruction positions in slots from the program start
     */
    public Result relocate(List<Instruction> insns, List<CoreRelocation> relocations) {
        int[] slotToIndex = new int[io.ebpfagent.loader.asm.Instructions.slots(insns)];
        java.util.Arrays.fill(slotToIndex, -1);
        for (int i = 0, slot = 0; i < insns.size(); slot += insns.get(i).slots(), i++) slotToIndex[slot] = i;

        Instruction[] out = insns.toArray(new Instruction[0]);
        boolean[] poisoned = new boolean[out.length];
        List<Outcome> outcomes = new ArrayList<>(relocations.size());
        for (int r = 0; r < relocations.size(); r++) {
            CoreRelocation relo = relocations.get(r);
            int slot = relo.instruction();
            if (slot < 0 || slot >= slotToIndex.length || slotToIndex[slot] < 0) {
                throw fail(relo, r, "instruction slot " + slot + " is not the start of an instruction of the program");
            }
            int index = slotToIndex[slot];
            Outcome o = apply(relo, r, index, out, poisoned);
            log.debug("{}", o);
            outcomes.add(o);
        }
        List<Instruction> result = new ArrayList<>(out.length);
        for (int i = 0; i < out.length; i++) {
            Instruction in = out[i];
            if (poisoned[i]) {
                Instruction call = new Instruction(OpCode.CALL, 0, 0, (short) 0, POISON_HELPER, in.symbol(), null);
                result.add(call);
                if (in.isLoadImm64()) result.add(call.withSymbol(null));
            } else {
                result.add(in);
            }
        }
        return new Result(result, outcomes);
    }

    private BtfException fail(CoreRelocation relo, int r, String why) {
        return new BtfException("CO-RE relocation #" + r + " (" + relo.kind() + " of type " + relo.typeId()
                + " access \"" + relo.accessor() + "\" at insn " + relo.instruction() + "): " + why);
    }

    private Outcome apply(CoreRelocation relo, int r, int index, Instruction[] out, boolean[] poisoned) {
        CoreSpec localSpec;
        Type localType;
        try {
            localType = local.type(relo.typeId());
            localSpec = CoreSpec.parse(local, relo);
        } catch (CoreTypes.Invalid | BtfException e) {
            throw fail(relo, r, "cannot parse against the local BTF: " + e.getMessage());
        }
        String specText = localSpec.describe();
        Res res;
        String detail;
        if (relo.kind() == CoreRelocationKind.TYPE_ID_LOCAL) {
            res = new Res(relo.typeId(), relo.typeId(), false, false, false, 0, 0);
            detail = "local type id";
        } else {
            if (localType.name().isEmpty()) throw fail(relo, r, "relocations of anonymous types are not supported");
            List<Integer> cands = candidates.get(relo.typeId());
            if (cands == null) {
                cands = findCandidates(localType);
                candidates.put(relo.typeId(), cands);
            }
            List<Integer> kept = new ArrayList<>();
            Res chosen = null;
            CoreSpec chosenSpec = null;
            try {
                for (int cand : cands) {
                    CoreSpec cs = CoreSpec.match(localSpec, target, cand);
                    if (cs == null) continue;
                    Res cr = calc(relo, r, localSpec, cs);
                    if (chosen == null) {
                        chosen = cr;
                        chosenSpec = cs;
                    } else if (cs.bitOffset != chosenSpec.bitOffset) {
                        throw fail(relo, r, "field offset ambiguity between target candidates " + chosenSpec.describe()
                                + " and " + cs.describe());
                    } else if (cr.poison() != chosen.poison() || cr.next() != chosen.next()) {
                        throw fail(relo, r, "relocation decision ambiguity: " + chosenSpec.describe() + " gives " + chosen.next()
                                + ", " + cs.describe() + " gives " + cr.next());
                    }
                    kept.add(cand);
                }
            } catch (CoreTypes.Invalid e) {
                throw fail(relo, r, e.getMessage());
            }
            if (chosen != null) {
                // later relocations of the same root only consider candidates that matched (libbpf does the same)
                candidates.put(relo.typeId(), kept);
                res = chosen;
                detail = "target " + chosenSpec.describe();
            } else {
                res = calc(relo, r, localSpec, null);
                detail = cands.isEmpty()
                        ? "no target type named " + Btf.essentialName(localType.name()) + " of kind " + localType.kindName()
                        : "no target candidate among " + cands + " has the " + (relo.kind().isEnumValueBased() ? "enumerator" : "field");
            }
        }
        Status status = patch(relo, r, index, out, poisoned, res);
        if (status == Status.POISONED && !res.poison()) detail = "load/store size cannot be adjusted for the target field type; " + detail;
        return new Outcome(relo, index, status, res.orig(), res.next(), specText, detail);
    }

    private List<Integer> findCandidates(Type localType) {
        List<Integer> out = new ArrayList<>();
        for (int id : target.candidateIds(Btf.essentialName(localType.name()), localType instanceof Func)) {
            if (CoreTypes.kindCompat(target.type(id), localType)) out.add(id);
        }
        return out;
    }

    /** Local and target values of a relocation; {@code targ} null when no candidate matched. */
    private Res calc(CoreRelocation relo, int r, CoreSpec localSpec, CoreSpec targ) {
        CoreRelocationKind kind = relo.kind();
        if (kind.isFieldBased()) {
            FieldVal lv = field(relo, r, localSpec);
            FieldVal tv = field(relo, r, targ);
            if (tv.poison()) return new Res(lv.val(), 0, true, lv.validate(), false, 0, 0);
            boolean failMemSize = false;
            if (lv.fieldSize() != tv.fieldSize()) {
                Type ot = local.type(lv.typeId()), nt = target.type(tv.typeId());
                boolean ptrs = ot instanceof Pointer && nt instanceof Pointer;
                boolean unsignedInts = ot instanceof Int oi && nt instanceof Int ni
                        && oi.encoding() != Int.SIGNED && ni.encoding() != Int.SIGNED;
                failMemSize = !ptrs && !unsignedInts;
            }
            return new Res(lv.val(), tv.val(), false, lv.validate(), failMemSize, lv.fieldSize(), tv.fieldSize());
        }
        if (kind.isTypeBased()) {
            long orig = typeValue(relo, r, localSpec);
            long next = typeValue(relo, r, targ);
            return new Res(orig, next, false, kind != CoreRelocationKind.TYPE_ID_TARGET, false, 0, 0);
        }
        long orig = enumValue(localSpec);
        if (kind == CoreRelocationKind.ENUMVAL_EXISTS) return new Res(orig, targ == null ? 0 : 1, false, true, false, 0, 0);
        if (targ == null) return new Res(orig, 0, true, true, false, 0, 0);
        return new Res(orig, enumValue(targ), false, true, false, 0, 0);
    }

    private static long enumValue(CoreSpec spec) {
        if (spec.kind == CoreRelocationKind.ENUMVAL_EXISTS) return 1;
        CoreSpec.Accessor a = spec.accessors.getFirst();
        Enumeration e = (Enumeration) spec.btf.type(a.typeId());
        long v = e.values().get(a.idx()).value();
        // a 32-bit enumerator is a signed 32-bit field in BTF; libbpf sign-extends it
        return e instanceof Enum64 ? v : (long) (int) v;
    }

    private long typeValue(CoreRelocation relo, int r, CoreSpec spec) {
        if (spec == null) return 0;
        return switch (relo.kind()) {
            case TYPE_ID_TARGET -> spec.rootId;
            case TYPE_EXISTS, TYPE_MATCHES -> 1;
            case TYPE_SIZE -> {
                try {
                    yield spec.btf.sizeOf(spec.rootId);
                } catch (BtfException e) {
                    throw fail(relo, r, "type has no size: " + e.getMessage());
                }
            }
            default -> throw fail(relo, r, "not a type-based relocation");
        };
    }

    private FieldVal field(CoreRelocation relo, int r, CoreSpec spec) {
        CoreRelocationKind kind = relo.kind();
        if (kind == CoreRelocationKind.FIELD_EXISTS) return new FieldVal(spec == null ? 0 : 1, 0, 0, true, false);
        if (spec == null) return new FieldVal(0, 0, 0, true, true);
        CoreSpec.Accessor acc = spec.last();
        Btf btf = spec.btf;
        if (acc.name() == null) {
            long sz = CoreSpec.size(btf, acc.typeId());
            return switch (kind) {
                case FIELD_BYTE_OFFSET -> new FieldVal(spec.bitOffset / 8, (int) sz, acc.typeId(), true, false);
                case FIELD_BYTE_SIZE -> new FieldVal(sz, 0, 0, true, false);
                default -> throw fail(relo, r, kind + " cannot be applied to an array element access");
            };
        }
        Member m = ((Composite) btf.type(acc.typeId())).members().get(acc.idx());
        int fieldTypeId = btf.resolve(m.type());
        Type mt = btf.type(fieldTypeId);
        long bitOff = spec.bitOffset;
        long bitSz = m.bitfieldSize();
        boolean bitfield = bitSz > 0;
        long byteSz, byteOff;
        if (bitfield) {
            // the smallest naturally aligned load, starting at the field's own size, that covers the bits
            byteSz = CoreSpec.size(btf, fieldTypeId);
            byteOff = bitOff / 8 / byteSz * byteSz;
            while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
                if (byteSz >= 8) throw fail(relo, r, "bitfield cannot be read with a 64-bit load");
                byteSz *= 2;
                byteOff = bitOff / 8 / byteSz * byteSz;
            }
        } else {
            byteSz = CoreSpec.size(btf, fieldTypeId);
            byteOff = bitOff / 8;
            bitSz = byteSz * 8;
        }
        return switch (kind) {
            case FIELD_BYTE_OFFSET -> bitfield ? new FieldVal(byteOff, 0, 0, false, false)
                    : new FieldVal(byteOff, (int) byteSz, fieldTypeId, true, false);
            case FIELD_BYTE_SIZE -> new FieldVal(byteSz, 0, 0, !bitfield, false);
            case FIELD_SIGNED -> new FieldVal((mt instanceof Enumeration e && e.signed()) || (mt instanceof Int i && i.signed()) ? 1 : 0,
                    0, 0, true, false);
            case FIELD_LSHIFT_U64 -> new FieldVal(64 - (bitOff + bitSz - byteOff * 8), 0, 0, !bitfield, false);
            case FIELD_RSHIFT_U64 -> new FieldVal(64 - bitSz, 0, 0, true, false);
            default -> throw fail(relo, r, "not a field relocation");
        };
    }

    private Status patch(CoreRelocation relo, int r, int index, Instruction[] out, boolean[] poisoned, Res res) {
        if (res.poison()) {
            poisoned[index] = true;
            return Status.POISONED;
        }
        Instruction in = out[index];
        long orig = res.orig(), next = res.next();
        switch (in.opClass()) {
            case OpCode.CLASS_ALU, OpCode.CLASS_ALU64 -> {
                if ((in.opcode() & OpCode.SRC_X) != 0) throw fail(relo, r, "ALU instruction " + in + " has no immediate");
                if (res.validate() && (long) in.imm() != orig) {
                    throw fail(relo, r, "instruction " + in + " holds " + in.imm() + ", expected the local value " + orig);
                }
                out[index] = in.withConstant((int) next);
            }
            case OpCode.CLASS_LDX, OpCode.CLASS_ST, OpCode.CLASS_STX -> {
                if (res.validate() && in.offset() != orig) {
                    throw fail(relo, r, "instruction " + in + " has offset " + in.offset() + ", expected the local value " + orig);
                }
                if (next > Short.MAX_VALUE) throw fail(relo, r, "target offset " + next + " does not fit the instruction");
                if (res.failMemSize()) {
                    poisoned[index] = true;
                    return Status.POISONED;
                }
                Instruction patched = in.withOffset((int) next);
                if (res.newSize() != res.origSize()) {
                    int have = sizeBytes(in.opcode());
                    if (have != res.origSize()) {
                        throw fail(relo, r, "instruction " + in + " accesses " + have + " bytes, expected " + res.origSize());
                    }
                    int sizeBits = switch (res.newSize()) {
                        case 1 -> OpCode.SIZE_B;
                        case 2 -> OpCode.SIZE_H;
                        case 4 -> OpCode.SIZE_W;
                        case 8 -> OpCode.SIZE_DW;
                        default -> throw fail(relo, r, "target field size " + res.newSize() + " cannot be loaded");
                    };
                    patched = patched.withOpcode((in.opcode() & ~0x18) | sizeBits);
                }
                out[index] = patched;
            }
            case OpCode.CLASS_LD -> {
                if (!in.isLoadImm64() || in.src() != 0 || in.offset() != 0) {
                    throw fail(relo, r, "instruction " + in + " is not a plain 64-bit immediate load");
                }
                if (res.validate() && in.constant() != orig) {
                    throw fail(relo, r, "instruction " + in + " holds " + in.constant() + ", expected the local value " + orig);
                }
                out[index] = in.withConstant(next);
            }
            default -> throw fail(relo, r, "cannot relocate instruction " + in);
        }
        return Status.PATCHED;
    }

    private static int sizeBytes(int opcode) {
        return switch (opcode & 0x18) {
            case OpCode.SIZE_DW -> 8;
            case OpCode.SIZE_W -> 4;
            case OpCode.SIZE_H -> 2;
            default -> 1;
        };
    }
}
