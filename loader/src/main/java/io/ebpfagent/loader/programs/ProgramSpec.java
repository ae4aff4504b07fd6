package io.ebpfagent.loader.programs;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.btf.CoreRelocation;
import java.util.List;
import java.util.Objects;

/**
 * What a program should look like before it is loaded: the result of reading an object file
 * (one per program function, with its subprograms already appended), or written by hand.
 *
 * @param name          the program's function name; the kernel keeps the first 15 bytes
 * @param type          program type
 * @param attachType    expected attach type, or null where the type has none
 * @param attachTo      the attach target from the section name ({@code sched/sched_switch} of
 *                      {@code tracepoint/sched/sched_switch}; a function for fentry/tp_btf); may be empty
 * @param sectionName   the ELF section the program came from
 * @param instructions  the instructions; references to maps/globals still symbolic until load
 * @param license       the license string of the object ({@code GPL} unlocks GPL-only helpers)
 * @param kernelVersion the {@code version} section value (only kprobes of old kernels check it), 0 if absent
 * @param flags         {@code prog_flags} ({@code BPF_F_SLEEPABLE}, ...)
 * @param btfExt        function and line information for the verifier, or null
 * @param coreRelocations CO-RE relocations to apply against the target kernel's BTF before load
 */
public record ProgramSpec(String name, ProgramType type, AttachType attachType, String attachTo,
                          String sectionName, List<Instruction> instructions, String license,
                          int kernelVersion, int flags, BtfExtInfo btfExt,
                          List<CoreRelocation> coreRelocations) {

    public ProgramSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        attachTo = attachTo == null ? "" : attachTo;
        sectionName = sectionName == null ? "" : sectionName;
        instructions = List.copyOf(instructions);
        license = license == null ? "" : license;
        coreRelocations = coreRelocations == null ? List.of() : List.copyOf(coreRelocations);
    }

    /** A hand-written program of the given type, GPL licensed, with no attach metadata. */
    public static ProgramSpec of(String name, ProgramType type, List<Instruction> instructions) {
        return new ProgramSpec(name, type, null, "", "", instructions, "GPL", 0, 0, null, List.of());
    }

    public ProgramSpec withInstructions(List<Instruction> value) {
        return new ProgramSpec(name, type, attachType, attachTo, sectionName, value, license, kernelVersion, flags, btfExt, coreRelocations);
    }

    public ProgramSpec withAttachType(AttachType value) {
        return new ProgramSpec(name, type, value, attachTo, sectionName, instructions, license, kernelVersion, flags, btfExt, coreRelocations);
    }

    public ProgramSpec withLicense(String value) {
        return new ProgramSpec(name, type, attachType, attachTo, sectionName, instructions, value, kernelVersion, flags, btfExt, coreRelocations);
    }

    public ProgramSpec withBtfExt(BtfExtInfo value) {
        return new ProgramSpec(name, type, attachType, attachTo, sectionName, instructions, license, kernelVersion, flags, value, coreRelocations);
    }

    public ProgramSpec withCoreRelocations(List<CoreRelocation> value) {
        return new ProgramSpec(name, type, attachType, attachTo, sectionName, instructions, license, kernelVersion, flags, btfExt, value);
    }

    public ProgramSpec withFlags(int value) {
        return new ProgramSpec(name, type, attachType, attachTo, sectionName, instructions, license, kernelVersion, value, btfExt, coreRelocations);
    }

    /**
     * {@code bpf_func_info} and {@code bpf_line_info} records for {@code BPF_PROG_LOAD}, already
     * relative to this program's first instruction (offsets in instruction slots), in the
     * kernel's record layout. They need the object's BTF loaded into the kernel ({@code prog_btf_fd}).
     */
    public record BtfExtInfo(byte[] funcInfo, int funcInfoRecordSize, byte[] lineInfo, int lineInfoRecordSize) {
        public int funcInfoCount() {
            return funcInfoRecordSize == 0 ? 0 : funcInfo.length / funcInfoRecordSize;
        }

        public int lineInfoCount() {
            return lineInfoRecordSize == 0 ? 0 : lineInfo.length / lineInfoRecordSize;
        }
    }
}
