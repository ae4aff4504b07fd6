package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.BtfException;
import io.ebpfagent.loader.btf.BtfExt;
import io.ebpfagent.loader.elf.ElfException;
import io.ebpfagent.loader.programs.ProgramSpec;
import java.util.List;
import java.util.Map;

/**
 * Carries the {@code .BTF.ext} records of each function into the linked programs: func_info,
 * line_info and CO-RE relocations move with their function to its slot in the program.
 */
final class ExtInfos {
    static final ExtInfos NONE = new ExtInfos(null);

    private final BtfExt ext;

    private ExtInfos(BtfExt ext) {
        this.ext = ext;
    }

    static ExtInfos parse(byte[] bytes, Btf btf, String origin) {
        try {
            return new ExtInfos(BtfExt.parse(bytes, btf));
        } catch (BtfException e) {
            throw new ElfException(origin + ": section .BTF.ext: " + e.getMessage(), e);
        }
    }

    /** The program with func_info, line_info and CO-RE relocations of all its functions. */
    ProgramSpec apply(ProgramSpec p, List<CollectionSpec.FunctionOffset> layout, Map<String, FunctionReader.Function> functions) {
        if (ext == null) return p;
        BtfExt.ProgramInfo all = new BtfExt.ProgramInfo(List.of(), List.of(), List.of());
        for (CollectionSpec.FunctionOffset fo : layout) {
            FunctionReader.Function f = functions.get(fo.name());
            int start = (int) (f.byteOffset() / 8);
            all = all.concat(ext.forProgram(f.section(), start, start + f.slots()).shifted(fo.slot()));
        }
        ProgramSpec.BtfExtInfo info = all.funcInfos().isEmpty() && all.lineInfos().isEmpty() ? null
                : new ProgramSpec.BtfExtInfo(BtfExt.encodeFuncInfos(all.funcInfos(), 0), BtfExt.FUNC_INFO_SIZE,
                        BtfExt.encodeLineInfos(all.lineInfos(), 0), BtfExt.LINE_INFO_SIZE);
        return p.withBtfExt(info).withCoreRelocations(all.coreRelocations());
    }
}
