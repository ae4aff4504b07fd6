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
}
