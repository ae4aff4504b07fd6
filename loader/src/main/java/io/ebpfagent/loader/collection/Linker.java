package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.elf.ElfException;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes one self-contained program per entry function: appends every function it calls
 * (transitively, bpf-to-bpf calls and function pointers, in order of first use) and rewrites the
 * call and function-pointer immediates to distances inside the linked program.
 */
final class Linker {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Linker.class);
    private final String origin;
    private final Map<String, FunctionReader.Function> functions;
    private final ExtInfos extInfos;

    Linker(String origin, Map<String, FunctionReader.Function> functions, Btf btf, byte[] btfExt) {
        this.origin = origin;
        this.functions = functions;
        this.extInfos = btf == null || btfExt == null ? ExtInfos.NONE : ExtInfos.parse(btfExt, btf, origin);
    }

    void link(FunctionReader.Function entry, String license, int version, CollectionSpec spec) {
        List<FunctionReader.Function> order = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        order.add(entry);
        seen.add(entry.name());
        for (int k = 0; k < order.size(); k++) {
            for (Instruction ins : order.get(k).instructions()) {
                if (!(ins.isFunctionCall() || ins.isLoadOfFunctionPointer()) || ins.reference() == null) continue;
                if (!seen.add(ins.reference())) continue;
                FunctionReader.Function callee = functions.get(ins.reference());
                if (callee == null) {
                    throw new ElfException(origin + ": function " + order.get(k).name() + " calls " + ins.reference()
                            + ", which is not defined in the object");
                }
                order.add(callee);
            }
        }
        Map<String, Integer> start = new HashMap<>();
        List<CollectionSpec.FunctionOffset> layout = new ArrayList<>();
        int slot = 0;
        for (FunctionReader.Function f : order) {
            start.put(f.name(), slot);
            layout.add(new CollectionSpec.FunctionOffset(f.name(), f.section(), slot, f.slots()));
            slot += f.slots();
        }
        List<Instruction> linked = new ArrayList<>();
        slot = 0;
        for (FunctionReader.Function f : order) {
            int fnSlot = 0;
            for (Instruction ins : f.instructions()) {
                if ((ins.isFunctionCall() || ins.isLoadOfFunctionPointer()) && ins.reference() != null) {
                    ins = ins.withConstant(start.get(ins.reference()) - (slot + fnSlot) - 1);
                }
                linked.add(ins);
                fnSlot += ins.slots();
            }
            slot += f.slots();
        }

        SectionMatch match = SectionDefinitions.match(entry.section()).orElse(null);
        if (match == null) {
            LOG.warn("{}: section {} of program {} names no known program type; its type is UNSPEC", origin,
                    entry.section(), entry.name());
        }
        ProgramType type = match == null ? ProgramType.UNSPEC : match.programType();
        ProgramSpec p = new ProgramSpec(entry.name(), type, match == null ? null : match.attachType(),
                match == null ? "" : match.attachTo(), entry.section(), linked, license, version,
                match == null ? 0 : match.programFlags(), null, List.of());
        p = extInfos.apply(p, layout, functions);
        spec.programs().put(entry.name(), p);
        spec.putFunctions(entry.name(), layout);
    }
}
