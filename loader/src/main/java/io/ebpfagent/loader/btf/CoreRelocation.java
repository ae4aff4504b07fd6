package io.ebpfagent.loader.btf;

/**
 * One CO-RE relocation of a program, as recorded by the compiler in {@code .BTF.ext}
 * ({@code struct bpf_core_relo}), made relative to the program it belongs to.
 *
 * @param instruction the index of the instruction to patch, counted in 8-byte slots from the
 *                    program's first instruction
 * @param typeId      the root type of the access, an id in the object's own (local) BTF
 * @param accessor    the access string, e.g. {@code "0:1:2"} (field indices; first is an array index)
 * @param kind        what is asked
 */
public record CoreRelocation(int instruction, int typeId, String accessor, CoreRelocationKind kind) {

    /** The same relocation for an instruction moved by {@code delta} slots (after linking). */
    public CoreRelocation shifted(int delta) {
        return new CoreRelocation(instruction + delta, typeId, accessor, kind);
    }
}
