package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.ProgramFlags;
import io.ebpfagent.loader.programs.ProgramType;

/**
 * What a section name means for the programs in it.
 *
 * @param definition the matching table row
 * @param attachTo   the extras after the pattern ({@code syscalls/sys_enter_openat} of
 *                   {@code tracepoint/syscalls/sys_enter_openat}); empty if none
 */
public record SectionMatch(SectionDefinition definition, String attachTo) {

    public ProgramType programType() {
        return definition.programType();
    }

    /** The expected attach type, or null. */
    public AttachType attachType() {
        return definition.attachType();
    }

    /** {@code prog_flags} implied by the section ({@code BPF_F_SLEEPABLE}, {@code BPF_F_XDP_HAS_FRAGS}). */
    public int programFlags() {
        int f = 0;
        if (definition.has(SectionFlag.SLEEPABLE)) f |= ProgramFlags.SLEEPABLE;
        if (definition.has(SectionFlag.XDP_FRAGS)) f |= ProgramFlags.XDP_HAS_FRAGS;
        return f;
    }

    public boolean has(SectionFlag flag) {
        return definition.has(flag);
    }
}
