package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.btf.Type.*;

/**
 * The type comparisons of CO-RE: which target types can stand in for a local type, following
 * libbpf's rules ({@code bpf_core_types_are_compat}, {@code bpf_core_fields_are_compat},
 * {@code bpf_core_types_match}).
 */
final class CoreTypes {
    private CoreTypes() {}

    static final int MAX_LEVEL = 32;

    /** Thrown for malformed input to the comparisons (too deep, dangling ids); the caller adds context. */
    static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static boolean isEnum(Type t) {
        return t instanceof Enumeration;
    }

    /** Same kind, except that enum and enum64 count as one. */
    static boolean kindCompat(Type a, Type b) {
        return a.kind() == b.kind() || (isEnum(a) && isEnum(b));
    }

    /** Whether {@code local} and {@code targ} can be the same type for type-based relocations. */
    static boolean typesAreCompat(Btf local, int localId, Btf targ, int targId, int level) {
        if (!kindCompat(local.type(localId), targ.type(targId))) return false;
        for (int depth = 32; depth > 0; depth--) {
            localId = local.resolve(localId);
            targId = targ.resolve(targId);
            Type lt = local.type(localId), tt = targ.type(targId);
            if (!kindCompat(lt, tt)) return false;
            switch (lt) {
                case Type.Void v -> {
                    return true;
                }
                case Composite c -> {
                    return true;
                }
                case Enumeration e -> {
                    return true;
                }
                case Fwd f -> {
                    return true;
                }
                case Int li -> {
                    return li.bitOffset() == 0 && ((Int) tt).bitOffset() == 0;
                }
                case Pointer lp -> {
                    localId = lp.target();
                    targId = ((Pointer) tt).target();
                }
                case Array la -> {
                    localId = la.elem();
                    targId = ((Array) tt).elem();
                }
                case FuncProto lf -> {
                    FuncProto tf = (FuncProto) tt;
                    if (lf.params().size() != tf.params().size()) return false;
                    for (int i = 0; i < lf.params().size(); i++) {
                        if (level <= 0) throw new Invalid("function prototypes nested too deeply");
                        if (!typesAreCompat(local, local.resolve(lf.params().get(i).type()), targ,
                                targ.resolve(tf.params().get(i).type()), level - 1)) {
                            return false;
                        }
                    }
                    localId = lf.ret();
                    targId = tf.ret();
                }
                default -> {
                    return false;
                }
            }
        }
        throw new Invalid("type chain too deep comparing local type " + localId + " with target type " + targId);
    }

    /** Whether a local field's type and a target field's type are compatible (field relocations). */
    static boolean fieldsAreCompat(Btf local, int localId, Btf targ, int targId) {
        for (int depth = 32; depth > 0; depth--) {
            Type lt = local.resolvedType(localId), tt = targ.resolvedType(targId);
            if (lt instanceof Composite && tt instanceof Composite) return true;
            if (!kindCompat(lt, tt)) return false;
            switch (lt) {
                case Pointer p -> {
                    return true;
                }
                case Type.Float f -> {
                    return true;
                }
                case Fwd f -> {
                    return namesCompatOrAnon(lt.name(), tt.name());
                }
                case Enumeration e -> {
                    return namesCompatOrAnon(lt.name(), tt.name());
                }
                case Int li -> {
                    return li.bitOffset() == 0 && ((Int) tt).bitOffset() == 0;
                }
                case Array la -> {
                    localId = la.elem();
                    targId = ((Array) tt).elem();
                }
                default -> {
                    return false;
                }
            }
        }
        throw new Invalid("array nesting too deep");
    }

    private static boolean namesCompatOrAnon(String a, String b) {
        String ea = Btf.essentialName(a), eb = Btf.essentialName(b);
        return ea.isEmpty() || eb.isEmpty() || ea.equals(eb);
    }

    /** Names equal ignoring flavors; an anonymous target only matches an anonymous local. */
    static boolean namesMatch(String local, String targ) {
        if (targ.isEmpty()) return local.isEmpty();
        return Btf.essentialName(local).equals(Btf.essentialName(targ));
    }

    /** The stricter "types match" relation of {@code bpf_core_type_matches()}. */
    static boolean typesMatch(Btf local, int localId, Btf targ, int targId, boolean behindPtr, int level) {
        if (level <= 0) throw new Invalid("types nested too deeply");
        for (int depth = 32; depth > 0; depth--) {
            localId = local.resolve(localId);
            targId = targ.resolve(targId);
            Type lt = local.type(localId), tt = targ.type(targId);
            if (!namesMatch(lt.name(), tt.name())) return false;
            switch (lt) {
                case Type.Void v -> {
                    return tt instanceof Type.Void;
                }
                case Fwd lf -> {
                    if (behindPtr) {
                        if (tt instanceof Fwd tf) return lf.union() == tf.union();
                        return (tt instanceof Struct && !lf.union()) || (tt instanceof Union && lf.union());
                    }
                    return tt instanceof Fwd tf && lf.union() == tf.union();
                }
                case Enumeration le -> {
                    return tt instanceof Enumeration te && enumsMatch(le, te);
                }
                case Composite lc -> {
                    if (behindPtr) {
                        if (lt.kind() == tt.kind()) return true;
                        return tt instanceof Fwd tf && (lc instanceof Union) == tf.union();
                    }
                    if (lt.kind() != tt.kind()) return false;
                    return compositesMatch(local, lc, targ, (Composite) tt, behindPtr, level);
                }
                case Int li -> {
                    return tt instanceof Int ti && li.size() == ti.size() && li.signed() == ti.signed();
                }
                case Pointer lp -> {
                    if (!(tt instanceof Pointer tp)) return false;
                    behindPtr = true;
                    localId = lp.target();
                    targId = tp.target();
                }
                case Array la -> {
                    if (!(tt instanceof Array ta) || la.nelems() != ta.nelems()) return false;
                    localId = la.elem();
                    targId = ta.elem();
                }
                case FuncProto lf -> {
                    if (!(tt instanceof FuncProto tf) || lf.params().size() != tf.params().size()) return false;
                    for (int i = 0; i < lf.params().size(); i++) {
                        if (!typesMatch(local, lf.params().get(i).type(), targ, tf.params().get(i).type(), behindPtr, level - 1)) {
                            return false;
                        }
                    }
                    localId = lf.ret();
                    targId = tf.ret();
                }
                default -> {
                    return false;
                }
            }
        }
        throw new Invalid("type chain too deep");
    }

    private static boolean enumsMatch(Enumeration l, Enumeration t) {
        if (l.size() != t.size() || l.values().size() > t.values().size()) return false;
        outer:
        for (EnumValue lv : l.values()) {
            for (EnumValue tv : t.values()) {
                if (namesMatch(lv.name(), tv.name())) continue outer;
            }
            return false;
        }
        return true;
    }

    private static boolean compositesMatch(Btf local, Composite l, Btf targ, Composite t, boolean behindPtr, int level) {
        if (l.members().size() > t.members().size()) return false;
        outer:
        for (Member lm : l.members()) {
            for (Member tm : t.members()) {
                if (!namesMatch(lm.name(), tm.name())) continue;
                if (typesMatch(local, lm.type(), targ, tm.type(), behindPtr, level - 1)) continue outer;
            }
            return false;
        }
        return true;
    }
}
