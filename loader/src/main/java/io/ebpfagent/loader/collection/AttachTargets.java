package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.Type;
import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import java.util.OptionalInt;

/**
 * The kernel BTF id a BTF-attached program names at load time ({@code attach_btf_id}): the
 * {@code btf_trace_<tp>} typedef for {@code tp_btf}, the traced function for
 * fentry/fexit/fmod_ret, {@code bpf_lsm_<hook>} for LSM and {@code bpf_iter_<name>} for iterators.
 */
final class AttachTargets {
    private AttachTargets() {
    }

    /** True if loading {@code spec} needs an attach BTF id from the kernel's types. */
    static boolean needsBtfId(ProgramSpec spec) {
        return (spec.type() == ProgramType.TRACING || spec.type() == ProgramType.LSM) && spec.attachType() != null
                && kernelName(spec) != null;
    }

    /** The name of the kernel type to look up, or null where the program type has no BTF target. */
    static String kernelName(ProgramSpec spec) {
        if (spec.attachType() == null) return null;
        String to = spec.attachTo();
        return switch (spec.attachType()) {
            case TRACE_RAW_TP -> "btf_trace_" + to;
            case TRACE_FENTRY, TRACE_FEXIT, MODIFY_RETURN -> to;
            case LSM_MAC, LSM_CGROUP -> "bpf_lsm_" + to;
            case TRACE_ITER -> "bpf_iter_" + to;
            default -> null;
        };
    }

    /** The attach BTF id of {@code spec} in {@code btf}, 0 when the program needs none. */
    static int btfId(ProgramSpec spec, Btf btf) {
        if (!needsBtfId(spec)) return 0;
        String name = kernelName(spec);
        if (spec.attachTo().isEmpty()) {
            throw new LoaderException("program " + spec.name() + " (" + spec.sectionName()
                    + ") needs an attach target in its section name");
        }
        Class<? extends Type> kind = spec.attachType() == AttachType.TRACE_RAW_TP ? Type.Typedef.class : Type.Func.class;
        OptionalInt id = btf.findId(name, kind);
        if (id.isEmpty()) {
            throw new LoaderException("program " + spec.name() + ": attach target " + name + " ("
                    + kind.getSimpleName().toLowerCase() + ") is not in the kernel's BTF");
        }
        return id.getAsInt();
    }
}
