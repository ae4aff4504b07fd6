package io.ebpfagent.loader.btf;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites {@code extern} variables for {@code BPF_BTF_LOAD}: the kernel accepts only static
 * and allocated global {@code VAR}s, so the loader marks the externs it has allocated (the
 * {@code __kconfig} slots of the {@code .kconfig} map) as allocated globals, as libbpf does.
 */
public final class BtfExterns {
    private BtfExterns() {
    }

    /** A copy of {@code btf} in which every {@code extern} VAR has global (allocated) linkage; same ids. */
    public static Btf allocated(Btf btf) {
        List<Type> types = new ArrayList<>(btf.types());
        boolean changed = false;
        for (int i = 0; i < types.size(); i++) {
            if (types.get(i) instanceof Type.Var v && v.linkage() == Type.Linkage.EXTERN) {
                types.set(i, new Type.Var(v.name(), v.type(), Type.Linkage.GLOBAL));
                changed = true;
            }
        }
        return changed ? btf.withTypes(types) : btf;
    }

    /**
     * A copy of {@code btf} in which the named global functions have static linkage (libbpf
     * does this for hidden-visibility functions); same ids.
     */
    public static Btf staticFunctions(Btf btf, java.util.Set<String> names) {
        if (names.isEmpty()) {
            return btf;
        }
        List<Type> types = new ArrayList<>(btf.types());
        boolean changed = false;
        for (int i = 0; i < types.size(); i++) {
            if (types.get(i) instanceof Type.Func f && f.linkage() != Type.Linkage.STATIC && names.contains(f.name())) {
                types.set(i, new Type.Func(f.name(), f.proto(), Type.Linkage.STATIC));
                changed = true;
            }
        }
        return changed ? btf.withTypes(types) : btf;
    }

    /** The DATASEC clang puts {@code __ksym} externs (kernel variables and kfuncs) in. */
    public static final String KSYMS = ".ksyms";

    /**
     * A copy of {@code btf} whose {@code .ksyms} DATASEC the kernel accepts, as libbpf makes it:
     * the kernel takes neither extern variables nor functions in a DATASEC, so every member
     * becomes a 4-byte allocated {@code int} variable at its own offset (kfuncs through one
     * added {@code dummy_ksym} variable, their FUNC made global with unnamed parameters named).
     * Existing ids are kept; at most two types are appended. Unchanged without {@code .ksyms}.
     */
    public static Btf ksyms(Btf btf) {
        int first = btf.firstTypeId();
        List<Type> types = new ArrayList<>(btf.types());
        int sec = -1;
        for (int i = 0; i < types.size(); i++) {
            if (types.get(i) instanceof Type.Datasec d && d.name().equals(KSYMS)) {
                sec = i;
                break;
            }
        }
        if (sec < 0) return btf;
        Type.Datasec ds = (Type.Datasec) types.get(sec);
        int intId = -1;
        for (int i = 0; i < types.size() && intId < 0; i++) {
            if (types.get(i) instanceof Type.Int t && t.size() == 4 && t.bitOffset() == 0 && t.bits() == 32) intId = first + i;
        }
        if (intId < 0) {
            types.add(new Type.Int("int", 4, Type.Int.SIGNED, 0, 32));
            intId = first + types.size() - 1;
        }
        int dummyId = -1;
        List<Type.VarSecinfo> vars = new ArrayList<>(ds.vars().size());
        int offset = 0;
        for (Type.VarSecinfo vs : ds.vars()) {
            int at = vs.type() - first;
            Type member = at >= 0 && at < types.size() ? types.get(at) : null;
            int varId = vs.type();
            if (member instanceof Type.Func f) {
                if (dummyId < 0) {
                    types.add(new Type.Var("dummy_ksym", intId, Type.Linkage.GLOBAL));
                    dummyId = first + types.size() - 1;
                }
                types.set(at, new Type.Func(f.name(), f.proto(), Type.Linkage.GLOBAL));
                int protoAt = f.proto() - first;
                if (protoAt >= 0 && protoAt < types.size() && types.get(protoAt) instanceof Type.FuncProto p) {
                    List<Type.Param> params = new ArrayList<>(p.params().size());
                    for (Type.Param param : p.params()) {
                        params.add(param.type() != 0 && param.name().isEmpty() ? new Type.Param("dummy_ksym", param.type()) : param);
                    }
                    types.set(protoAt, new Type.FuncProto(p.ret(), params));
                }
                varId = dummyId;
            } else if (member instanceof Type.Var v) {
                types.set(at, new Type.Var(v.name(), intId, Type.Linkage.GLOBAL));
            }
            vars.add(new Type.VarSecinfo(varId, offset, 4));
            offset += 4;
        }
        types.set(sec, new Type.Datasec(ds.name(), offset, vars));
        return btf.withTypes(types);
    }
}
