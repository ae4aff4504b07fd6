package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.JvmLayouts;

/** EV_COMPILE: one JIT compilation. */
public final class CompileEvent extends EventView {
    public boolean success() {
        return u8(JvmLayouts.CompileEvent.SUCCESS) != 0;
    }

    /** E.g. "C2" (allocates). */
    public String compiler() {
        return string(JvmLayouts.CompileEvent.COMPILER, 16);
    }

    /** Internal form, e.g. "java/lang/String" (allocates). */
    public String className() {
        return string(JvmLayouts.CompileEvent.CLASS_NAME, 128);
    }

    public String methodName() {
        return string(JvmLayouts.CompileEvent.METHOD_NAME, 64);
    }

    public String signature() {
        return string(JvmLayouts.CompileEvent.SIGNATURE, 64);
    }
}
