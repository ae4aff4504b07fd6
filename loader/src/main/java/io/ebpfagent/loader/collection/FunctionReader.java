package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.elf.ElfException;
import io.ebpfagent.loader.elf.ElfFile;
import io.ebpfagent.loader.elf.ElfRelocation;
import io.ebpfagent.loader.elf.ElfSection;
import io.ebpfagent.loader.elf.ElfSymbol;
import io.ebpfagent.loader.maps.MapSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the code sections of an object: decodes the instructions, resolves each relocation to a
 * symbolic reference (map, global data, function, extern) and splits the sections into their
 * functions.
 */
final class FunctionReader {

    /**
     * One function of a code section, relocated but not linked.
     *
     * @param name         the function symbol
     * @param section      the section name
     * @param sectionIndex the section index
     * @param byteOffset   where the function starts in its section
     * @param instructions its instructions; the first carries the function name as symbol
     * @param slots        its length in 8-byte slots
     */
    record Function(String name, String section, int sectionIndex, long byteOffset, List<Instruction> instructions, int slots) {}

    private final ElfFile elf;
    private final String origin;
    private final List<ElfSymbol> symbols;
    private final Map<Integer, ObjectReader.Kind> kinds;
    private final Map<Integer, List<ElfRelocation>> relocations;
    private final Map<String, MapSpec> maps;
    private final Map<String, KconfigExtern> kconfig;

    FunctionReader(ElfFile elf, String origin, List<ElfSymbol> symbols, Map<Integer, ObjectReader.Kind> kinds,
                   Map<Integer, List<ElfRelocation>> relocations, Map<String, MapSpec> maps,
                   Map<String, KconfigExtern> kconfig) {
        this.elf = elf;
        this.origin = origin;
        this.symbols = symbols;
        this.kinds = kinds;
        this.relocations = relocations;
        this.maps = maps;
        this.kconfig = kconfig;
    }

    /** All functions of all code sections by name, in section and address order. */
    Map<String, Function> read() {
        Map<String, Function> out = new LinkedHashMap<>();
        for (ElfSection s : elf.sections()) {
            if (kinds.get(s.index()) != ObjectReader.Kind.CODE || s.size() == 0) continue;
            for (Function f : readSection(s)) {
                if (out.putIfAbsent(f.name(), f) != null) {
                    throw fail("two functions are named " + f.name() + " (sections " + out.get(f.name()).section()
                            + " and " + s.name() + ")");
                }
            }
        }
        return out;
    }

    private List<Function> readSection(ElfSection section) {
        byte[] code = elf.bytes(section);
        if (code.length % Instruction.SLOT_SIZE != 0) {
            throw fail("section " + section.name() + " has " + code.length + " bytes, not a multiple of 8");
        }
        int slotCount = code.length / Instruction.SLOT_SIZE;
        // insns[slot] = instruction starting at that slot, null for the second half of lddw
        Instruction[] insns = new Instruction[slotCount];
        ByteBuffer in = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            int slot = in.position() / Instruction.SLOT_SIZE;
            try {
                insns[slot] = Instruction.decode(in);
            } catch (IllegalArgumentException e) {
                throw fail("section " + section.name() + ", instruction " + slot + ": " + e.getMessage());
            }
        }

        Map<Long, ElfSymbol> functionsAt = functionSymbols(section.index());
        for (ElfRelocation rel : relocations.getOrDefault(section.index(), List.of())) {
            if (rel.type() == ElfRelocation.R_BPF_NONE) continue;
            long off = rel.offset();
            if (off < 0 || off % Instruction.SLOT_SIZE != 0 || off >= code.length || insns[(int) (off / 8)] == null) {
                throw fail("relocation at offset " + off + " of section " + section.name() + " does not point at an instruction");
            }
            int slot = (int) (off / 8);
            insns[slot] = relocate(insns[slot], symbol(rel.symbolIndex(), section), section, slot);
        }
        // calls inside one section need no relocation: the compiler already put the distance in imm
        for (int slot = 0; slot < slotCount; slot++) {
            Instruction ins = insns[slot];
            if (ins == null || !ins.isFunctionCall() || ins.reference() != null) continue;
            long target = (long) slot + ins.imm() + 1;
            ElfSymbol callee = functionsAt.get(target * Instruction.SLOT_SIZE);
            if (callee == null) {
                throw fail("call at instruction " + slot + " of section " + section.name() + " to instruction " + target
                        + ", where no function starts");
            }
            insns[slot] = ins.withReference(callee.name());
        }
        return split(section, insns, functionsAt);
    }

    private Map<Long, ElfSymbol> functionSymbols(int sectionIndex) {
        Map<Long, ElfSymbol> out = new HashMap<>();
        for (ElfSymbol sym : symbols) {
            if (sym.sectionIndex() == sectionIndex && isFunction(sym) && !sym.name().isEmpty()) {
                out.putIfAbsent(sym.value(), sym);
            }
        }
        return out;
    }

    /**
     * A function symbol. Clang 8 and older give functions STT_NOTYPE: a global symbol without
     * type in a code section is a function too (local untyped ones are branch labels).
     */
    static boolean isFunction(ElfSymbol sym) {
        return sym.type() == ElfSymbol.STT_FUNC
                || (sym.type() == ElfSymbol.STT_NOTYPE && sym.binding() == ElfSymbol.STB_GLOBAL);
    }

    private List<Function> split(ElfSection section, Instruction[] insns, Map<Long, ElfSymbol> functionsAt) {
        List<ElfSymbol> funcs = new ArrayList<>(functionsAt.values());
        funcs.sort(ElfSymbol.BY_VALUE);
        if (funcs.isEmpty()) throw fail("section " + section.name() + " holds code but no function symbol");
        long sectionSize = (long) insns.length * Instruction.SLOT_SIZE;
        List<Function> out = new ArrayList<>();
        for (int i = 0; i < funcs.size(); i++) {
            ElfSymbol f = funcs.get(i);
            long start = f.value();
            long next = i + 1 < funcs.size() ? funcs.get(i + 1).value() : sectionSize;
            long end = f.size() != 0 ? start + f.size() : next;
            if (start % Instruction.SLOT_SIZE != 0 || end % Instruction.SLOT_SIZE != 0 || start < 0 || end > sectionSize || end > next) {
                throw fail("function " + f.name() + " [" + start + ", " + end + ") does not fit section " + section.name()
                        + " (" + sectionSize + " bytes)");
            }
            int first = (int) (start / 8);
            int last = (int) (end / 8);
            if (insns[first] == null) throw fail("function " + f.name() + " starts in the middle of an lddw");
            List<Instruction> body = new ArrayList<>();
            for (int s = first; s < last; s++) {
                if (insns[s] == null) continue;
                if (insns[s].isLoadImm64() && s + 1 >= last) throw fail("lddw at the end of function " + f.name() + " is cut off");
                body.add(s == first ? insns[s].withSymbol(f.name()) : insns[s]);
            }
            out.add(new Function(f.name(), section.name(), section.index(), start, List.copyOf(body), last - first));
        }
        return out;
    }

    private ElfSymbol symbol(int index, ElfSection section) {
        if (index <= 0 || index >= symbols.size()) {
            throw fail("relocation in section " + section.name() + " refers to symbol " + index + " out of range ("
                    + symbols.size() + " symbols)");
        }
        return symbols.get(index);
    }

    /**
     * The instruction a relocation applies to, for error messages. Its text (with the
     * instruction's disassembly) is built only when an error needs it: built eagerly, it was
     * one of the larger items of a cold load, once per relocation.
     */
    private record Site(int slot, ElfSection section, Instruction ins) {
        @Override
        public String toString() {
            return "instruction " + slot + " of section " + section.name() + " (" + ins + ")";
        }
    }

    private Instruction relocate(Instruction ins, ElfSymbol sym, ElfSection section, int slot) {
        Site where = new Site(slot, section, ins);
        if (sym.isUndefined()) return relocateExtern(ins, sym, where);
        ObjectReader.Kind kind = kinds.getOrDefault(sym.sectionIndex(), ObjectReader.Kind.OTHER);
        String targetSection = elf.section(sym.sectionIndex()).name();
        switch (kind) {
            case LEGACY_MAPS, BTF_MAPS -> {
                requireLoad(ins, sym, where);
                String name = sym.type() == ElfSymbol.STT_SECTION ? symbolAt(sym.sectionIndex(), ins.imm(), where) : sym.name();
                if (!maps.containsKey(name)) throw fail(where + " refers to map " + name + ", which is not defined");
                return ins.withSrc(OpCode.PSEUDO_MAP_FD).withConstant(0).withReference(name);
            }
            case DATA -> {
                requireLoad(ins, sym, where);
                long offset = (sym.type() == ElfSymbol.STT_SECTION ? 0 : sym.value()) + ins.imm();
                if (!maps.containsKey(targetSection)) {
                    throw fail(where + " refers to empty data section " + targetSection);
                }
                return ins.withSrc(OpCode.PSEUDO_MAP_VALUE).withConstant(offset).withReference(targetSection);
            }
            case CODE -> {
                if (ins.isFunctionCall()) {
                    String name = sym.type() == ElfSymbol.STT_SECTION
                            ? functionAt(sym.sectionIndex(), sym.value() + ((long) ins.imm() + 1) * Instruction.SLOT_SIZE, where)
                            : sym.name();
                    return ins.withConstant(-1).withReference(name);
                }
                if (ins.isLoadImm64()) {
                    String name = sym.type() == ElfSymbol.STT_SECTION
                            ? functionAt(sym.sectionIndex(), sym.value() + ins.imm(), where)
                            : sym.name();
                    return ins.withSrc(OpCode.PSEUDO_FUNC).withConstant(0).withReference(name);
                }
                throw fail(where + " refers to function " + sym.name() + " but is neither a call nor an lddw");
            }
            default -> throw fail(where + " refers to " + sym + " in section " + targetSection
                    + ", which is neither a map, global data nor code");
        }
    }

    private Instruction relocateExtern(Instruction ins, ElfSymbol sym, Site where) {
        KconfigExtern k = kconfig.get(sym.name());
        if (k != null) {
            requireLoad(ins, sym, where);
            return ins.withSrc(OpCode.PSEUDO_MAP_VALUE).withConstant((long) k.offset() + ins.imm())
                    .withReference(ObjectReader.KCONFIG_MAP);
        }
        if (ins.opcode() == OpCode.CALL) {
            // a kernel function (__ksym): the loader puts its BTF id into imm
            return ins.withSrc(OpCode.PSEUDO_KFUNC_CALL).withConstant(0).withReference(sym.name());
        }
        if (ins.isLoadImm64()) {
            // a kernel variable (__ksym): the loader puts its BTF id into imm
            return ins.withSrc(OpCode.PSEUDO_BTF_ID).withConstant(0).withReference(sym.name());
        }
        throw fail(where + " refers to undefined symbol " + sym.name());
    }

    private void requireLoad(Instruction ins, ElfSymbol sym, Site where) {
        if (!ins.isLoadImm64()) throw fail(where + " refers to " + sym.name() + " but is not an lddw");
    }

    private String symbolAt(int sectionIndex, long offset, Site where) {
        for (ElfSymbol s : symbols) {
            if (s.sectionIndex() == sectionIndex && s.value() == offset && !s.name().isEmpty()
                    && s.type() != ElfSymbol.STT_SECTION) {
                return s.name();
            }
        }
        throw fail(where + ": no symbol at offset " + offset + " of section " + elf.section(sectionIndex).name());
    }

    private String functionAt(int sectionIndex, long offset, Site where) {
        for (ElfSymbol s : symbols) {
            if (s.sectionIndex() == sectionIndex && s.value() == offset && isFunction(s) && !s.name().isEmpty()) return s.name();
        }
        throw fail(where + ": no function at offset " + offset + " of section " + elf.section(sectionIndex).name());
    }

    private ElfException fail(String message) {
        return new ElfException(origin + ": " + message);
    }
}
